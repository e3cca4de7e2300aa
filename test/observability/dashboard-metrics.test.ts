import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { spawnChild, type ChildHandle } from '../../tools/process/child-process';
import { call, gatewayEnv } from '../support/gateway-harness';
import { atStage, eventually, lifecycleInput } from '../support/lifecycle-harness';
import { LifecycleEventReceiverServer } from '../support/lifecycle-event-receiver';
import {
  alertQueries,
  alertTestSeries,
  dashboardQueries,
  metricNeeds,
  parseScrape,
  readDashboard,
  TARGET_LABELS,
  unmetNeed,
  withGrafanaVariablesFilled,
  type Scrape,
} from '../support/monitoring';
import { testServerLocation } from '../support/temporal';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';
import { lifecycleTestbed } from '../support/testbed';

/**
 * The shipped dashboard and alert rules (deploy/monitoring/) ask only for what the processes
 * really export: every metric and label their PromQL names is found in a real scrape of a worker
 * and a gateway, each started as an operator starts it, after a lifecycle went through them (its
 * Advance calls, stored documents, a delivered lifecycle event, the gateway's requests). The
 * rule tests' input series are held against the same scrape, so that they are shaped like it.
 */

const BIN = path.join(__dirname, '..', '..', 'bin', 'hotdocs-temporal.js');
/** What was checked, and the two scrapes, for a reader: test/artifacts/ (git-ignored). */
const ARTIFACTS = path.join(__dirname, '..', 'artifacts');

let receiver: LifecycleEventReceiverServer;
let worker: WorkerProcess;
let gateway: ChildHandle;
let gatewayUrl: string;
let gatewayMetricsUrl: string;
let workerUrl: string;

// Declared before the testbed: jest runs afterAll hooks in the order they are declared.
afterAll(async () => {
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
  await worker?.kill('SIGTERM');
  await receiver?.close();
});

const bed = lifecycleTestbed({ startWorker: false });

beforeAll(async () => {
  const secret = randomBytes(32).toString('hex');
  receiver = await LifecycleEventReceiverServer.start(secret);
  worker = await spawnWorker(
    { ...bed.workerEnv, COMPLETION_WEBHOOK_URL: receiver.url, COMPLETION_WEBHOOK_SECRET: secret },
    // A busy machine starts a worker process slowly.
    { readyTimeoutMs: 150_000 },
  );
  workerUrl = /"http":"(http:\/\/[^"]+)"/.exec(worker.output())![1]!;
  const { address, namespace } = testServerLocation();
  gateway = spawnChild({
    name: 'hotdocs-temporal gateway',
    command: process.execPath,
    args: [BIN, 'gateway'],
    env: {
      PATH: process.env['PATH'],
      ...gatewayEnv({ GATEWAY_METRICS_PORT: '0', DOCUMENT_STORE_DIR: bed.documentDir }),
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: bed.taskQueue,
    },
    tailLines: 10_000,
  });
  const listening = /listening on (http:\/\/[^ ]+) .*metrics: (http:\/\/\S+?\/metrics)\)/;
  await gateway.waitReady({ output: listening }, 60_000);
  [, gatewayUrl, gatewayMetricsUrl] = listening.exec(gateway.output()) as unknown as [string, string, string];
}, 240_000);

async function scrape(url: string): Promise<string> {
  const answer = await fetch(url);
  expect(answer.status).toBe(200);
  return answer.text();
}

test('a lifecycle through the gateway and the worker; both scrapes answer every query', async () => {
  // One transient Advance failure, so that an error outcome is exported as the alert reads it.
  bed.emulator.setFaults({ script: [{ endpoint: 'createWorkItem', fault: 'error', status: 503 }] });
  const started = await call(`${gatewayUrl}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: `metrics-${randomUUID()}` }),
  });
  expect(started.status).toBe(201);
  const id = started.json.id as string;
  const overHttp = {
    status: async (lifecycleId: string) => (await call(`${gatewayUrl}/v1/assemblies/${lifecycleId}`)).json,
  };
  const waiting = await atStage(overHttp, id, 'waiting-for-interview', { timeoutMs: 60_000 });
  const workerWhileWaiting = await eventually(
    async () => {
      const text = await scrape(`${workerUrl}/metrics`);
      return /^hotdocs_lifecycles\{stage="waiting-for-interview"\} [1-9]/m.test(text) ? text : undefined;
    },
    { timeoutMs: 30_000, what: 'the waiting lifecycle in the worker scrape' },
  );
  await bed.lifecycles.interviewCompleted(id, waiting.activeSession.versionId);
  expect((await bed.lifecycles.result(id)).outcome).toBe('completed');
  await eventually(
    () => (receiver.handled.some((e) => e.type === 'lifecycle.completed') ? true : undefined),
    {
      timeoutMs: 30_000,
      what: 'the lifecycle.completed event',
    },
  );
  const workerText = await scrape(`${workerUrl}/metrics`);
  const gatewayText = await scrape(gatewayMetricsUrl);
  const fromWorker = parseScrape(workerText, parseScrape(workerWhileWaiting));
  const fromGateway = parseScrape(gatewayText);
  const exported: Scrape = new Map([...fromWorker, ...fromGateway]);

  const variables = Object.fromEntries(
    (readDashboard().templating?.list ?? []).map((variable) => [variable.name, 'x']),
  );
  const report: string[] = [];
  const unmet: string[] = [];
  for (const { where, expr } of [...dashboardQueries(), ...alertQueries()]) {
    for (const need of metricNeeds(withGrafanaVariablesFilled(expr, variables))) {
      const problem = unmetNeed(exported, need);
      const source = fromWorker.has(need.metric) ? 'worker' : fromGateway.has(need.metric) ? 'gateway' : '-';
      const labels = need.labels.filter((label) => !TARGET_LABELS.includes(label)).join(',');
      report.push(`${problem === undefined ? 'ok ' : 'BAD'} ${where}: ${need.metric}{${labels}} (${source})`);
      if (problem !== undefined) unmet.push(`${where}: ${problem}`);
    }
  }
  await mkdir(ARTIFACTS, { recursive: true });
  await writeFile(path.join(ARTIFACTS, 'metric-check.txt'), `${report.join('\n')}\n`);
  await writeFile(path.join(ARTIFACTS, 'worker-metrics.txt'), workerText);
  await writeFile(path.join(ARTIFACTS, 'gateway-metrics.txt'), gatewayText);
  expect(report.length).toBeGreaterThanOrEqual(25);
  expect(unmet).toEqual([]);
  // Counted as they happened: the documents stored, the event delivered, the gateway's requests.
  expect(workerText).toMatch(/^hotdocs_stored_document_bytes_count [1-9]/m);
  expect(workerText).toMatch(
    /^hotdocs_webhook_deliveries_total\{webhook="completion",outcome="delivered"\} [1-9]/m,
  );
  expect(workerText).toContain('hotdocs_webhook_deliveries_total{webhook="completion",outcome="refused"} 0');
  expect(gatewayText).toContain(
    'hotdocs_gateway_requests_total{route="/v1/assemblies",method="POST",code="201"} 1',
  );

  // The rule tests' series carry exactly the labels a scrape gives the metric (and the target's).
  const unlike: string[] = [];
  for (const series of alertTestSeries()) {
    const need = metricNeeds(series)[0]!;
    const own = need.labels.filter((label) => !TARGET_LABELS.includes(label));
    const same = (exported.get(need.metric) ?? []).some(
      (labels) => labels.size === own.length && own.every((label) => labels.has(label)),
    );
    if (!same) unlike.push(series);
  }
  expect(unlike).toEqual([]);
}, 180_000);
