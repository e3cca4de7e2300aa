import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { LifecycleClient } from '../../src/client';
import { loadGatewayConfig } from '../../src/config';
import { startGateway, type RunningGateway } from '../../src/gateway';
import { startTracing, type Tracing } from '../../src/observability/tracing';
import { tracingClientInterceptors } from '../../src/observability/tracing-client';
import { loadTracingConfig } from '../../src/config/tracing';
import { TRACING_PATCH } from '../../src/workflows/patches';
import {
  findTraces,
  getTrace,
  startJaeger,
  tag,
  type JaegerSpan,
  type JaegerTrace,
  type RunningJaeger,
} from '../../tools/jaeger/jaeger';
import { call, gatewayEnv, waitForInterview } from '../support/gateway-harness';
import { createHarness, eventually, lifecycleInput, type Harness } from '../support/lifecycle-harness';
import { connectTestEnvironment } from '../support/temporal';
import { patchMarkers } from '../support/upgrade-checks';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

/**
 * One Finish followed end to end in a real trace backend: Jaeger (the pinned build), a worker
 * process and a gateway exporting OTLP to it, the Advance emulator. The interview's Finish post
 * is the root of a trace that holds, each below the one before, the signal to the lifecycle, the
 * workflow's handling of it, CompleteSession and its Advance call, and the document writes; the
 * lifecycle's other spans are found by its workflow id. Read back through Jaeger's query API.
 */

const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');

let jaeger: RunningJaeger;
let env: TestWorkflowEnvironment;
let h: Harness;
let worker: WorkerProcess;
let tracing: Tracing;
let gateway: RunningGateway;
let webhook: { server: Server; url: string; traceparents: (string | undefined)[] };
const gatewayLog: string[] = [];

beforeAll(async () => {
  jaeger = await startJaeger();
  env = await connectTestEnvironment();
  h = await createHarness(env);
  webhook = await startWebhookReceiver();
  worker = await spawnWorker(
    {
      ...h.workerEnv,
      COMPLETION_WEBHOOK_URL: webhook.url,
      COMPLETION_WEBHOOK_SECRET: 'tracing-test-secret',
      OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpHttpEndpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      // It bundles the workflow code at start-up: minutes on a busy machine.
    },
    { readyTimeoutMs: 240_000 },
  );
  // The gateway in this process, as `hotdocs-temporal gateway` wires it (src/gateway/cli.ts).
  const tracingConfig = loadTracingConfig(
    { OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpHttpEndpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
    'hotdocs-gateway',
  );
  tracing = startTracing(tracingConfig!);
  const lifecycles = new LifecycleClient(
    new Client({
      connection: env.connection,
      namespace: env.namespace,
      interceptors: tracingClientInterceptors(tracing),
    }),
    { taskQueue: h.taskQueue },
  );
  gateway = await startGateway({
    lifecycles,
    config: loadGatewayConfig(gatewayEnv({ DOCUMENT_STORE_DIR: h.documentDir })),
    log: { level: 'info', stream: { write: (line) => void gatewayLog.push(line) } },
    tracing: true,
  });
}, 360_000);

afterAll(async () => {
  await gateway?.close();
  await tracing?.shutdown();
  await worker?.kill('SIGTERM');
  await new Promise((resolve) => webhook?.server.close(resolve));
  await h?.close();
  await env?.teardown();
  await jaeger?.stop();
});

/**
 * What the Finish causes, in the order it happens: each step's span descends from the step named
 * by `under` and starts no earlier than the step before it. The documents are stored after
 * CompleteSession, both scheduled by the workflow while it handles the message.
 */
const FINISH_STORY: readonly { service: string; name: RegExp; under?: number }[] = [
  /* 0 */ { service: 'hotdocs-gateway', name: /^POST \/v1\/finish\/:token$/ },
  /* 1 */ {
    service: 'hotdocs-gateway',
    name: /^(SignalWorkflow:interviewCompleted|StartWorkflowUpdate:completeInterview)$/,
    under: 0,
  },
  /* 2 */ {
    service: 'hotdocs-worker',
    name: /^(HandleSignal:interviewCompleted|HandleUpdate:completeInterview)$/,
    under: 1,
  },
  /* 3 */ { service: 'hotdocs-worker', name: /^StartActivity:completeSession$/, under: 2 },
  /* 4 */ { service: 'hotdocs-worker', name: /^RunActivity:completeSession$/, under: 3 },
  /* 5 */ { service: 'hotdocs-worker', name: /^Advance (PUT|POST) .*Complete/, under: 4 },
  /* 6 */ { service: 'hotdocs-worker', name: /^StartActivity:storeDocuments$/, under: 2 },
  /* 7 */ { service: 'hotdocs-worker', name: /^RunActivity:storeDocuments$/, under: 6 },
  /* 8 */ { service: 'hotdocs-worker', name: /^document-store put$/, under: 7 },
];

test('a Finish post is one trace: signal, CompleteSession, its Advance call, the document writes', async () => {
  const businessKey = `traced-${randomUUID()}`;
  const started = await call(`${gateway.url}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey }),
  });
  expect(started.status).toBe(201);
  const id = started.json.id as string;
  const interview = await waitForInterview(gateway.url, id);
  const finished = await call(interview.finishUrl, { method: 'POST', key: null, body: {} });
  expect(finished.status).toBe(200);
  await h.lifecycles.result(id);
  await tracing.forceFlush();

  const finishTrace = await eventually(
    async () => {
      const [found] = await findTraces(jaeger.queryUrl, {
        service: 'hotdocs-gateway',
        operation: 'POST /v1/finish/:token',
      });
      if (found === undefined) return undefined;
      const full = await getTrace(jaeger.queryUrl, found.traceID);
      return full !== undefined && FINISH_STORY.every((step) => spanOf(full, step) !== undefined)
        ? full
        : undefined;
    },
    { timeoutMs: 60_000, what: 'the Finish trace to hold every span of the story' },
  );

  // Each span of the story descends from the step it follows from, and starts after the step before.
  const story = FINISH_STORY.map((step) => spanOf(finishTrace, step)!);
  FINISH_STORY.forEach(({ under }, i) => {
    if (under === undefined) return;
    const span = story[i]!;
    expect({ span: span.operationName, under: ancestorNames(finishTrace, span) }).toEqual({
      span: span.operationName,
      under: expect.arrayContaining([story[under]!.operationName]),
    });
    expect(span.startTime).toBeGreaterThanOrEqual(story[i - 1]!.startTime);
  });
  // The documents are stored once Advance has completed the session.
  expect(story[6]!.startTime).toBeGreaterThanOrEqual(story[5]!.startTime + story[5]!.duration);
  // The lifecycle's spans carry its workflow id; those of the Finish are among them.
  for (const span of story.filter((s) => serviceOf(finishTrace, s) === 'hotdocs-worker'))
    expect({ span: span.operationName, workflowId: tag(span, 'temporalWorkflowId') }).toEqual({
      span: span.operationName,
      workflowId: id,
    });
  const lifecycleTraces = await findTraces(jaeger.queryUrl, {
    service: 'hotdocs-worker',
    tags: JSON.stringify({ temporalWorkflowId: id }),
  });
  expect(lifecycleTraces.map((t) => t.traceID)).toContain(finishTrace.traceID);
  // The start has its own trace, from the gateway's POST down to BeginSession.
  const startTrace = lifecycleTraces.find((t) =>
    t.spans.some((s) => s.operationName === 'RunActivity:beginSession'),
  );
  expect(startTrace).toBeDefined();

  // An Advance span says what was called, never with what: no token, no answers, no raw path.
  const advance = story[5]!;
  expect(advance.tags.map((t) => t.key).sort()).toEqual(
    expect.arrayContaining([
      'http.request.method',
      'url.template',
      'http.response.status_code',
      'temporal.activity.attempt',
    ]),
  );
  expect(tag(advance, 'url.template')).toMatch(/\{workItemId\}/);
  expect(JSON.stringify(finishTrace)).not.toMatch(/AnswerSet|Bearer|TextValue/);

  // The completion webhook's post continues the same trace.
  await eventually(() => (webhook.traceparents.length > 0 ? true : undefined), {
    what: 'the completion webhook post',
  });
  expect(webhook.traceparents.map((t) => t?.split('-')[1])).toEqual(
    webhook.traceparents.map(() => finishTrace.traceID),
  );

  // A log line written inside a span carries its ids (the worker's JSON lines: json-logger.unit.test.ts).
  const finishLine = gatewayLog.map((l) => JSON.parse(l)).find((l) => l.msg === 'interview finished');
  expect(finishLine).toMatchObject({ trace_id: finishTrace.traceID, span_id: story[0]!.spanID });

  // The traced lifecycle's history records the decision; one started without a trace context
  // (a business system's plain client) runs as before this build: no marker, no spans.
  const history = async (workflowId: string) =>
    (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  expect(patchMarkers(await history(id))).toContain(TRACING_PATCH);
  const untraced = await h.lifecycles.start(
    lifecycleInput({ businessKey: `untraced-${randomUUID()}`, mode: 'batch' }),
  );
  await h.lifecycles.result(untraced.lifecycleId);
  expect(patchMarkers(await history(untraced.lifecycleId))).not.toContain(TRACING_PATCH);

  await mkdir(ARTIFACTS, { recursive: true });
  await writeFile(path.join(ARTIFACTS, 'finish-trace.txt'), spanTree(finishTrace));
  await writeFile(
    path.join(ARTIFACTS, 'finish-trace.json'),
    JSON.stringify({ queryUrl: jaeger.queryUrl, trace: finishTrace }, null, 1),
  );
}, 240_000);

function serviceOf(trace: JaegerTrace, span: JaegerSpan): string | undefined {
  return trace.processes[span.processID]?.serviceName;
}

function spanOf(trace: JaegerTrace, step: { service: string; name: RegExp }): JaegerSpan | undefined {
  return trace.spans
    .filter((s) => step.name.test(s.operationName) && serviceOf(trace, s) === step.service)
    .sort((a, b) => a.startTime - b.startTime)[0];
}

function parentOf(trace: JaegerTrace, span: JaegerSpan): JaegerSpan | undefined {
  const ref = span.references.find((r) => r.refType === 'CHILD_OF');
  return ref === undefined ? undefined : trace.spans.find((s) => s.spanID === ref.spanID);
}

function ancestorNames(trace: JaegerTrace, span: JaegerSpan): string[] {
  const names: string[] = [];
  for (let p = parentOf(trace, span); p !== undefined; p = parentOf(trace, p)) names.push(p.operationName);
  return names;
}

/** The trace as an indented tree: service, span, start offset and duration in ms. */
function spanTree(trace: JaegerTrace): string {
  const start = Math.min(...trace.spans.map((s) => s.startTime));
  const lines = [`trace ${trace.traceID} (${trace.spans.length} spans)`];
  const children = (parent: JaegerSpan | undefined): JaegerSpan[] =>
    trace.spans.filter((s) => parentOf(trace, s) === parent).sort((a, b) => a.startTime - b.startTime);
  const walk = (span: JaegerSpan, depth: number): void => {
    const offset = ((span.startTime - start) / 1000).toFixed(1);
    const duration = (span.duration / 1000).toFixed(1);
    lines.push(
      `${'  '.repeat(depth)}${span.operationName}  [${serviceOf(trace, span)}] +${offset} ms, ${duration} ms`,
    );
    for (const child of children(span)) walk(child, depth + 1);
  };
  for (const root of children(undefined)) walk(root, 0);
  return `${lines.join('\n')}\n`;
}

/** Answers 200 to every post and keeps the `traceparent` header of each. */
async function startWebhookReceiver(): Promise<{
  server: Server;
  url: string;
  traceparents: (string | undefined)[];
}> {
  const traceparents: (string | undefined)[] = [];
  const server = createServer((request, response) => {
    const header = request.headers['traceparent'];
    traceparents.push(typeof header === 'string' ? header : undefined);
    request.resume();
    request.on('end', () => response.writeHead(200).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, traceparents };
}
