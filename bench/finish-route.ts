/**
 * The interview's Finish through the gateway: the time from the browser's POST of the finish link
 * to the gateway's 200, at concurrency 1 and 32, for this tree and for earlier commits
 * (`--baseline <ref>`: that commit's gateway *and* worker, `src/` exported, in the same run, on the
 * same server). Rounds alternate the sides, so load that comes and goes on the machine falls on
 * all of them. Each side also reports what one Finish costs in Temporal round trips before
 * CompleteSession reaches Advance: the gateway's calls (counted by gRPC method), the worker's
 * exchanges for a query it had to answer, and the workflow tasks it ran (from the history).
 *
 *   npx tsx bench/finish-route.ts [--baseline <git ref>[,<git ref>...]] [--rounds 3]
 *                                 [--single 20] [--concurrent 64] [--concurrency 32] [--warmup 5]
 *                                 [--protocol v1.1|v2.0] [--json-only]
 *
 * Prints a table on stderr and the figures as one line of JSON on stdout.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { request } from 'undici';
import { sha256Hex } from '../src/security/hashed-credentials';
import type { EmulatorApiVersion } from '../tools/dev/emulator-env';
import { definedOnly, roundsCommandLine } from './lib/options';
import type { GatewayProcess } from './lib/gateway-process';
import { lifecycleSides, startSideGateway } from './lib/gateway-sides';
import { round } from './lib/cpu';
import { percentile as percentileOf } from './lib/load';
import { machineInfo } from './lib/machine';
import { benchmarkInput, startRig, type Rig, type RigWorker } from './lib/rig';

export interface FinishRouteSettings {
  /** Measured rounds; each runs every side at both concurrencies. */
  rounds: number;
  /** Finishes per side and round, one at a time. */
  single: number;
  /** Finishes per side and round at `concurrency`. */
  concurrent: number;
  concurrency: number;
  /** Finishes per side before the rounds, not measured (compilation, connections, caches). */
  warmup: number;
  protocol: EmulatorApiVersion;
  baselines: readonly string[];
}

export const FINISH_ROUTE_DEFAULTS: FinishRouteSettings = {
  rounds: 3,
  single: 20,
  concurrent: 64,
  concurrency: 32,
  warmup: 5,
  protocol: 'v1.1',
  baselines: [],
};

export interface LatencyFigures {
  finishes: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

export interface RoundTrips {
  /** The gateway's calls to Temporal for one Finish, by gRPC method (averaged). */
  gatewayCalls: Record<string, number>;
  /** The worker's exchanges to answer the gateway's queries: a poll that brings one, its answer. */
  queryAnswers: number;
  /** Workflow tasks from the Finish to CompleteSession's schedule (each a poll and a response). */
  workflowTasks: number;
  /** The activity task of CompleteSession (its poll; 0 where the server dispatched it eagerly). */
  activityTasks: number;
  total: number;
}

export interface SideFigures {
  commit?: string;
  single: LatencyFigures;
  concurrent: LatencyFigures;
  roundTrips: RoundTrips;
  /** Finishes that did not answer 200. */
  failures: number;
}

export interface FinishRouteResult {
  machine: ReturnType<typeof machineInfo>;
  settings: FinishRouteSettings;
  sides: Record<string, SideFigures>;
}

const KEY = `bench-${randomBytes(16).toString('hex')}`;
const STORED_TIMEOUT_MS = 180_000;

interface Side {
  label: string;
  commit?: string;
  worker: RigWorker;
  gateway: GatewayProcess;
  single: number[];
  concurrent: number[];
  failures: number;
  roundTrips?: RoundTrips;
}

export async function runFinishRouteBenchmark(
  options: Partial<FinishRouteSettings> & { progress?: (line: string) => void } = {},
): Promise<FinishRouteResult> {
  const settings: FinishRouteSettings = { ...FINISH_ROUTE_DEFAULTS, ...definedOnly(options) };
  const progress = options.progress ?? (() => undefined);
  const { specs, baselines } = await lifecycleSides(settings.baselines, settings.protocol, progress);
  const rig = await startRig(specs, progress);
  const documentDir = await mkdtemp(path.join(tmpdir(), 'hotdocs-bench-finish-'));
  const sides: Side[] = [];
  try {
    for (const [index, spec] of specs.entries()) {
      const worker = rig.workers[spec.name] as RigWorker;
      const gateway = await startSideGateway(rig, spec, `bench:${sha256Hex(KEY)}`, {
        DOCUMENT_STORE_DIR: documentDir,
      });
      const baseline = index === 0 ? undefined : baselines[index - 1];
      sides.push({
        label: baseline?.ref ?? 'ours',
        ...(baseline !== undefined && { commit: baseline.commit }),
        worker,
        gateway,
        single: [],
        concurrent: [],
        failures: 0,
      });
      progress(`${spec.name} gateway at ${gateway.url}`);
    }
    for (const side of sides) await finishBatch(rig, side, settings.warmup, 1);
    for (const side of sides) side.failures = 0;
    for (let r = 0; r < settings.rounds; r += 1) {
      // Each round starts with another side, so none always runs first.
      const order = sides.map((_, i) => sides[(i + r) % sides.length] as Side);
      for (const side of order) {
        const single = await finishBatch(rig, side, settings.single, 1);
        side.single.push(...single.latencies);
        if (side.roundTrips === undefined) side.roundTrips = await roundTripsOf(rig, side, single);
        const concurrent = await finishBatch(rig, side, settings.concurrent, settings.concurrency);
        side.concurrent.push(...concurrent.latencies);
        progress(
          `round ${r + 1}/${settings.rounds} ${side.label}: p50 ${round(percentile(single.latencies, 50), 1)} ms ` +
            `at 1, ${round(percentile(concurrent.latencies, 50), 1)} ms at ${settings.concurrency}`,
        );
      }
    }
    return {
      machine: machineInfo(),
      settings,
      sides: Object.fromEntries(
        sides.map((side) => [
          side.label,
          {
            ...(side.commit !== undefined && { commit: side.commit }),
            single: latencyFigures(side.single),
            concurrent: latencyFigures(side.concurrent),
            roundTrips: side.roundTrips as RoundTrips,
            failures: side.failures,
          },
        ]),
      ),
    };
  } finally {
    for (const side of sides) await side.gateway.close().catch(() => undefined);
    await rig.close();
    await rm(documentDir, { recursive: true, force: true });
  }
}

interface Batch {
  ids: string[];
  latencies: number[];
  /** The gateway's calls to Temporal during the Finishes, by method. */
  calls: Record<string, number>;
}

/**
 * `count` lifecycles waiting for their interviews, then their Finishes, `concurrency` at a time;
 * returns once every session's documents are stored, so the next batch starts on a quiet worker.
 */
async function finishBatch(rig: Rig, side: Side, count: number, concurrency: number): Promise<Batch> {
  const lifecycles = rig.clientFor(side.worker.spec.name);
  const ids = await Promise.all(
    Array.from({ length: count }, async () => {
      const { lifecycleId } = await lifecycles.start(
        benchmarkInput(`${rig.runId}-finish-${randomUUID().slice(0, 8)}`, 'interview'),
      );
      await rig.begun.next(lifecycleId, STORED_TIMEOUT_MS);
      return lifecycleId;
    }),
  );
  const links = await Promise.all(ids.map((id) => finishLink(side.gateway, id)));
  const before = await side.gateway.calls();
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < links.length; i = next++) {
        const started = performance.now();
        const answer = await request(links[i] as string, { method: 'POST', body: '' });
        await answer.body.dump();
        latencies.push(performance.now() - started);
        if (answer.statusCode !== 200) side.failures += 1;
      }
    }),
  );
  const after = await side.gateway.calls();
  await Promise.all(ids.map((id) => rig.stored.next(id, STORED_TIMEOUT_MS)));
  const calls = Object.fromEntries(
    Object.entries(after)
      .map(([method, n]) => [method, n - (before[method] ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );
  return { ids, latencies, calls };
}

async function finishLink(gateway: GatewayProcess, id: string): Promise<string> {
  const answer = await request(`${gateway.url}/v1/assemblies/${id}/interview?wait=true`, {
    headers: { authorization: `Bearer ${KEY}` },
  });
  const body = (await answer.body.json()) as { finishUrl?: string };
  if (answer.statusCode !== 200 || body.finishUrl === undefined)
    throw new Error(`no finish link for ${id}: ${answer.statusCode} ${JSON.stringify(body)}`);
  return body.finishUrl;
}

const EventType = temporal.api.enums.v1.EventType;

/**
 * What one Finish costs in round trips until CompleteSession can reach Advance: the gateway's
 * calls (averaged over a batch of single Finishes), an answer from the worker for each query, and
 * the workflow tasks of one lifecycle's history from the Finish to CompleteSession's schedule.
 */
async function roundTripsOf(rig: Rig, side: Side, batch: Batch): Promise<RoundTrips> {
  const per = (n: number) => round(n / batch.ids.length, 2);
  const gatewayCalls = Object.fromEntries(Object.entries(batch.calls).map(([m, n]) => [m, per(n)]));
  const queries = gatewayCalls['queryWorkflow'] ?? 0;
  const history = await rig.temporal.workflow.getHandle(batch.ids[0] as string).fetchHistory();
  const events = history.events ?? [];
  const scheduled = events.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'completeSession',
  );
  const arrived = events.find(
    (e) =>
      e.workflowExecutionSignaledEventAttributes?.signalName === 'interviewCompleted' ||
      e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'completeInterview',
  );
  if (scheduled === undefined || arrived === undefined)
    throw new Error(`${batch.ids[0]}: no Finish or no CompleteSession in its history`);
  const upTo = Number(scheduled.activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId);
  // An update is accepted in the workflow task that took it, whose completion comes just before.
  const from =
    arrived.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
      ? Number(arrived.eventId)
      : Number(arrived.eventId) - 2;
  const workflowTasks = events.filter(
    (e) =>
      e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED &&
      Number(e.eventId) >= from &&
      Number(e.eventId) <= upTo,
  ).length;
  const calls = Object.values(gatewayCalls).reduce((sum, n) => sum + n, 0);
  const roundTrips = {
    gatewayCalls,
    queryAnswers: 2 * queries,
    workflowTasks,
    activityTasks: 1,
    total: round(calls + 2 * queries + 2 * workflowTasks + 1, 2),
  };
  return roundTrips;
}

function percentile(samples: number[], p: number): number {
  return percentileOf(Float64Array.from(samples), p);
}

function latencyFigures(samples: number[]): LatencyFigures {
  const sum = samples.reduce((a, b) => a + b, 0);
  return {
    finishes: samples.length,
    p50Ms: round(percentile(samples, 50), 1),
    p99Ms: round(percentile(samples, 99), 1),
    meanMs: round(sum / Math.max(1, samples.length), 1),
  };
}

export function formatFinishRouteTable(result: FinishRouteResult): string {
  const { concurrency } = result.settings;
  const header = `side              p50@1   p99@1   p50@${concurrency}  p99@${concurrency}  round trips  failures`;
  const rows = Object.entries(result.sides).map(([label, side]) =>
    [
      label.padEnd(16),
      String(side.single.p50Ms).padStart(7),
      String(side.single.p99Ms).padStart(7),
      String(side.concurrent.p50Ms).padStart(7),
      String(side.concurrent.p99Ms).padStart(7),
      String(side.roundTrips.total).padStart(12),
      String(side.failures).padStart(9),
    ].join(' '),
  );
  return [`Finish → 200 (ms), ${result.settings.protocol}`, header, ...rows].join('\n');
}

async function main(): Promise<void> {
  const line = roundsCommandLine({ warmup: true });
  const result = await runFinishRouteBenchmark({
    ...line.settings,
    warmup: line.warmup,
    progress: (text) => console.error(text),
  });
  if (!line.jsonOnly) console.error(formatFinishRouteTable(result));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
