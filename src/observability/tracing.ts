import { SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { envDetectorSync, Resource } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { TracingConfig, TracingProtocol } from '../config/tracing';

/**
 * The process's OpenTelemetry tracer provider, registered globally (W3C `traceparent`
 * propagation, async-local context), exporting in batches as `TracingConfig` says. Everything
 * that traces (the gateway's HTTP spans, Temporal's interceptors, the Advance and document-store
 * spans, webhook posts) uses the global API, which does nothing until this is started.
 */

/** The tracer of this project's own spans (Advance calls, document store, webhooks, gateway HTTP). */
export const TRACER_NAME = 'hotdocs-advance-temporal';

export function projectTracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** Awaits `run` in `span`: an error marks the span failed (and is thrown on); the span ends either way. */
export async function endingSpan<T>(span: Span, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    throw error;
  } finally {
    span.end();
  }
}

export interface Tracing {
  readonly config: TracingConfig;
  readonly resource: Resource;
  /** Where spans end up; the worker also hands it the workflow's spans (they cross a sink). */
  readonly spanProcessor: SpanProcessor;
  /** Exports what is buffered now (tests, before a process exits). */
  forceFlush(): Promise<void>;
  /** Exports what is buffered and unregisters the provider. */
  shutdown(): Promise<void>;
}

export function startTracing(config: TracingConfig): Tracing {
  const resource = Resource.default()
    .merge(envDetectorSync.detect())
    .merge(new Resource({ 'service.name': config.serviceName }));
  const spanProcessor =
    config.exporter.kind === 'console'
      ? new SimpleSpanProcessor(new ConsoleSpanExporter())
      : new BatchSpanProcessor(otlpExporter(config.exporter.protocol, config.exporter.url));
  const provider = new NodeTracerProvider({
    resource,
    sampler: sampler(config),
    spanProcessors: [spanProcessor],
  });
  provider.register();
  return {
    config,
    resource,
    spanProcessor,
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
    },
  };
}

function otlpExporter(protocol: TracingProtocol, url: string): SpanExporter {
  if (protocol === 'grpc') return new GrpcExporter({ url });
  if (protocol === 'http/json') return new JsonExporter({ url });
  return new ProtobufExporter({ url });
}

function sampler({ sampler: name, samplerRatio }: TracingConfig): Sampler {
  const ratio = new TraceIdRatioBasedSampler(samplerRatio);
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}
