import { eventually } from '../support/lifecycle-harness';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';
import { lifecycleTestbed } from '../support/testbed';

/**
 * The production worker process: JSON log lines, /healthz and /readyz, and one Prometheus scrape
 * target with our metrics (Advance requests by outcome, lifecycles per stage, the oldest waiting
 * interview) and the Temporal SDK's runtime metrics.
 */

let worker: WorkerProcess;
let http: string;

// Declared before the testbed: jest runs afterAll hooks in the order they are declared.
afterAll(async () => {
  await worker?.kill('SIGTERM');
});

const bed = lifecycleTestbed({ startWorker: false });

beforeAll(async () => {
  // From the sources, as `npm run dev` runs it: its build id says so (`+sources`).
  worker = await spawnWorker(bed.workerEnv, { workflowCode: 'sources' });
  http = /"http":"(http:\/\/[^"]+)"/.exec(worker.output())![1]!;
}, 90_000);

test('health, readiness and metrics of a running worker', async () => {
  expect((await fetch(`${http}/healthz`)).status).toBe(200);
  const ready = await fetch(`${http}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: 'running' });

  bed.emulator.setFaults({ script: [{ endpoint: 'createWorkItem', fault: 'error', status: 503 }] });
  const started = await bed.start();
  await bed.atStage(started.lifecycleId, 'waiting-for-interview');

  const metrics = await eventually(
    async () => {
      const text = await (await fetch(`${http}/metrics`)).text();
      return /hotdocs_lifecycles\{stage="waiting-for-interview"\} [1-9]/.test(text) ? text : undefined;
    },
    { timeoutMs: 30_000, what: 'the waiting lifecycle in /metrics' },
  );
  const tenancy = new URL(bed.emulator.url).host;
  expect(metrics).toContain(
    `hotdocs_advance_requests_total{tenancy="${tenancy}",operation="createWorkItem",outcome="transient"} 1`,
  );
  expect(metrics).toContain(
    `hotdocs_advance_requests_total{tenancy="${tenancy}",operation="createWorkItem",outcome="ok"} 1`,
  );
  expect(metrics).toMatch(
    /hotdocs_advance_request_duration_seconds_bucket\{le="[^"]+",operation="beginSession"\}/,
  );
  expect(metrics).toMatch(/hotdocs_oldest_waiting_interview_age_seconds \d/);
  // Which build runs (from the sources here: no bundle to derive the id from), unversioned.
  expect(metrics).toMatch(
    /^hotdocs_worker_build_info\{build_id="\d+\.\d+\.\d+[^"]*\+sources",deployment_name="",versioning="off"\} 1$/m,
  );
  expect(metrics).toMatch(/^temporal_\w+/m); // the SDK's own runtime metrics, same scrape
  await bed.lifecycles.cancel(started.lifecycleId);
}, 60_000);

test('every log line is JSON with time, level and message, and no secret', async () => {
  // Every line the worker wrote, not only those that look like JSON.
  const lines = worker
    .output()
    .split('\n')
    .filter((l) => l !== '');
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    const entry = parsedOrLine(line);
    expect(entry).toEqual(
      expect.objectContaining({
        time: expect.any(String),
        level: expect.any(String),
        msg: expect.any(String),
      }),
    );
  }
  expect(worker.output()).not.toContain(bed.emulator.credentials.principalPassword);
});

test('SIGTERM: the worker stops in order and exits cleanly', async () => {
  await worker.kill('SIGTERM');
  expect(worker.child.exitCode).toBe(0);
  expect(worker.output()).toContain('"msg":"worker stopped"');
});

/** The line as JSON, or the line itself (so that a failure shows which line is not JSON). */
function parsedOrLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return line;
  }
}
