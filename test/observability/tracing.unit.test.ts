import { context, propagation, trace } from '@opentelemetry/api';
import { Resource } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { SerializableSpan } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions';
import type { WorkflowInfo } from '@temporalio/workflow';
import { routeTemplate } from '../../src/advance/urls';
import { ConfigError } from '../../src/config';
import { formatLogLine } from '../../src/observability/json-logger';
import type { Tracing } from '../../src/observability/tracing';
import { describeTracing, loadTracingConfig } from '../../src/config/tracing';
import { workflowSpanSinks } from '../../src/observability/tracing-worker';

/** Reading OTEL_*, the log lines' trace ids, the Advance route template, the workflow spans' sink. */

describe('loadTracingConfig', () => {
  test('off unless an endpoint or an exporter asks for it', () => {
    expect(loadTracingConfig({}, 'svc')).toBeUndefined();
    expect(
      loadTracingConfig({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' }, 'svc'),
    ).toBeUndefined();
    expect(
      loadTracingConfig(
        { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' },
        'svc',
      ),
    ).toBeUndefined();
    expect(
      loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }, 'svc'),
    ).toBeUndefined();
  });

  test('an endpoint turns it on: http/protobuf to <endpoint>/v1/traces, the default service name', () => {
    expect(
      loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, 'hotdocs-worker'),
    ).toEqual({
      exporter: { kind: 'otlp', protocol: 'http/protobuf', url: 'http://collector:4318/v1/traces' },
      serviceName: 'hotdocs-worker',
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
    });
  });

  test('protocols, a traces endpoint used as is, service name, sampler', () => {
    const config = loadTracingConfig(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://apm.example/otlp/traces',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'gateway-eu',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      },
      'svc',
    );
    expect(config).toEqual({
      exporter: { kind: 'otlp', protocol: 'http/json', url: 'https://apm.example/otlp/traces' },
      serviceName: 'gateway-eu',
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
    });
    expect(describeTracing(config)).toBe(
      'otlp http/json https://apm.example/otlp/traces, service gateway-eu, sampler parentbased_traceidratio 0.25',
    );
    expect(
      loadTracingConfig(
        { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' },
        's',
      )?.exporter,
    ).toEqual({ kind: 'otlp', protocol: 'grpc', url: 'http://c:4317' });
    expect(loadTracingConfig({ OTEL_TRACES_EXPORTER: 'console' }, 's')?.exporter).toEqual({
      kind: 'console',
    });
    expect(describeTracing(undefined)).toBe('off');
  });

  test('every bad value is named at once', () => {
    expect.assertions(2);
    try {
      loadTracingConfig(
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/xml',
          OTEL_TRACES_SAMPLER: 'sometimes',
          OTEL_TRACES_SAMPLER_ARG: '2',
        },
        's',
      );
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        'OTEL_EXPORTER_OTLP_PROTOCOL must be one of http/protobuf, http/json, grpc, not "http/xml"',
        'the OTLP endpoint must be an http:// or https:// URL, not "collector:4318/v1/traces"',
        expect.stringMatching(/^OTEL_TRACES_SAMPLER must be one of .*not "sometimes"$/),
        'OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, not "2"',
      ]);
    }
  });

  test('an unknown exporter is refused', () => {
    expect(() => loadTracingConfig({ OTEL_TRACES_EXPORTER: 'zipkin' }, 's')).toThrow(
      /OTEL_TRACES_EXPORTER must be otlp, console or none, not "zipkin"/,
    );
  });
});

describe('spans in this process', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  beforeAll(() => provider.register());
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  const line = () =>
    JSON.parse(
      formatLogLine({ level: 'INFO', message: 'hello', meta: { a: 1 }, timestampNanos: 0n }),
    ) as Record<string, unknown>;

  test('a JSON log line written inside a span carries its trace and span ids; outside, none', () => {
    expect(line()).toEqual({ time: '1970-01-01T00:00:00.000Z', level: 'info', msg: 'hello', a: 1 });
    const inside = trace.getTracer('test').startActiveSpan('work', (span) => {
      const written = line();
      span.end();
      return { written, ids: span.spanContext() };
    });
    expect(inside.written).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level: 'info',
      msg: 'hello',
      trace_id: inside.ids.traceId,
      span_id: inside.ids.spanId,
      a: 1,
    });
  });

  test("workflow spans leave the sink with the execution's ids, not its whole info", () => {
    const resource = new Resource({ 'service.name': 'hotdocs-worker' });
    const tracing = { resource, spanProcessor: new SimpleSpanProcessor(exporter) } as unknown as Tracing;
    exporter.reset();
    const span: SerializableSpan = {
      name: 'RunWorkflow:assemblyLifecycle',
      kind: 0,
      spanContext: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1, traceState: 'k=v' },
      parentSpanId: 'c'.repeat(16),
      startTime: [1, 0],
      endTime: [2, 0],
      status: { code: 1 },
      attributes: { existing: 'yes' },
      links: [],
      events: [],
      duration: [1, 0],
      ended: true,
      droppedAttributesCount: 0,
      droppedLinksCount: 0,
      droppedEventsCount: 0,
      instrumentationLibrary: { name: '@temporalio/interceptor-workflow' },
    };
    const info = {
      workflowId: 'assembly-1',
      runId: 'run-1',
      workflowType: 'assemblyLifecycle',
      memo: { personal: 'never in a span' },
    } as unknown as WorkflowInfo;
    void workflowSpanSinks(tracing).exporter.export.fn(info, [span]);
    const [exported] = exporter.getFinishedSpans();
    expect(exported?.attributes).toEqual({
      existing: 'yes',
      temporalWorkflowId: 'assembly-1',
      run_id: 'run-1',
      temporalWorkflowType: 'assemblyLifecycle',
    });
    expect(exported?.spanContext().traceState?.get('k')).toBe('v');
    expect(exported?.resource).toBe(resource);
    // Without tracing the sink drops them.
    exporter.reset();
    void workflowSpanSinks(undefined).exporter.export.fn(info, [span]);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});

test('an Advance route template names the ids and drops the query', () => {
  expect(
    routeTemplate('WorkItems/6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11/Versions/Active/CompleteSession'),
  ).toBe('WorkItems/{workItemId}/Versions/Active/CompleteSession');
  expect(routeTemplate('WorkItems/w1/Versions/v1/Documents/d1/Content')).toBe(
    'WorkItems/{workItemId}/Versions/{versionId}/Documents/{documentId}/Content',
  );
  expect(routeTemplate('WorkItems/w1/Versions?filter=Completed')).toBe('WorkItems/{workItemId}/Versions');
  expect(routeTemplate('Authorize/ServicePrincipalLogIn')).toBe('Authorize/ServicePrincipalLogIn');
});
