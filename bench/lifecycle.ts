/**
 * Lifecycles per second through ONE worker, against a floor: the same shape (same activities in
 * the same order, same signal wait) with activities that do nothing, run by a worker with the
 * same settings on the same server in the same run. `ratio` = ours / floor: how much of what
 * Temporal allows our own code keeps.
 *
 * Each kind runs a closed loop (`concurrency` lifecycles in flight; each slot starts the next as
 * its last one ends). Interview lifecycles are reported complete as soon as their session begins
 * (the worker's begin hook), so latency holds no polling delay. Rounds alternate floor and ours,
 * so load that comes and goes on the machine falls on both.
 *
 *   npx tsx bench/lifecycle.ts [--lifecycles 300] [--concurrency 32] [--rounds 3] [--warmup 30]
 *                              [--kinds interview,batch] [--json-only]
 */
import { parseArgs } from 'node:util';
import type { LifecycleResult } from '../src/workflows/definitions';
import type { FloorResult } from './floor/workflows';
import type { EmulatorStats } from './lib/emulator-process';
import { percentile, runLoad, type LoadResult } from './lib/load';
import { processCpuMs } from './lib/proc';
import { benchmarkInput, startRig, type Rig } from './lib/rig';

export type LifecycleKind = 'interview' | 'batch';
export const LIFECYCLE_KINDS: readonly LifecycleKind[] = ['interview', 'batch'];

export interface LifecycleBenchmarkOptions {
  /** Measured lifecycles per kind, for ours and for the floor each. */
  lifecycles?: number;
  /** Lifecycles in flight at once. */
  concurrency?: number;
  /** Floor/ours alternations the measured lifecycles are split into. */
  rounds?: number;
  /** Unmeasured lifecycles per kind and side first (JIT, caches, the worker's one login). */
  warmup?: number;
  kinds?: readonly LifecycleKind[];
  progress?: (line: string) => void;
}

export interface LifecycleFigures {
  /** Measured lifecycles of ours (the floor ran as many). */
  lifecycles: number;
  lifecyclesPerSecond: number;
  floorPerSecond: number;
  /** lifecyclesPerSecond / floorPerSecond. */
  ratio: number;
  /** Start → result of one lifecycle (with `concurrency` in flight). */
  p50Ms: number;
  p99Ms: number;
  /** Events in the history of one completed lifecycle. */
  historyEvents: number;
  /** Every HotDocs Advance request (logins included) the measured lifecycles made, per lifecycle. */
  advanceRequestsPerLifecycle: number;
  /** Logins per 1,000 measured lifecycles. */
  loginsPer1000: number;
  // ---- context ----
  concurrency: number;
  /** create + begin + complete + list + one download per stored document, + logins amortised. */
  minimumAdvanceRequestsPerLifecycle: number;
  advanceRequestsByEndpoint: Record<string, number>;
  logins: number;
  /**
   * Every login the lifecycle worker made since it started, warm-up included (the emulator serves
   * no one else): one per token lifetime (an hour by default) is the target.
   */
  workerLogins: number;
  documentsPerLifecycle: number;
  floorP50Ms: number;
  floorP99Ms: number;
  floorHistoryEvents: number;
  /**
   * CPU time per lifecycle of each process: the worker, the Temporal dev server, the emulator and
   * this benchmark (the client). Where a lower ratio comes from.
   */
  cpuMsPerLifecycle: CpuUse;
  floorCpuMsPerLifecycle: CpuUse;
  /**
   * Floor / ours CPU time (worker + Temporal server) per lifecycle: the throughput ratio a
   * CPU-bound machine allows, and far steadier than `ratio` when other work loads the machine.
   */
  cpuRatio: number;
  /** Lifecycles that failed or ended otherwise than completed (ours, floor): any figure beside a non-zero count is suspect. */
  errors: number;
  floorErrors: number;
}

export type LifecycleBenchmarkResult = Partial<Record<LifecycleKind, LifecycleFigures>>;

export const LIFECYCLE_DEFAULTS = {
  lifecycles: 300,
  concurrency: 32,
  rounds: 3,
  warmup: 30,
};

/** A lifecycle that takes longer than this is counted as failed (a p99 is seconds, even under load). */
const LIFECYCLE_TIMEOUT_MS = 120_000;
/** After this many failed lifecycles in one loop the benchmark stops: the setup is broken. */
const MAX_ERRORS = 5;
/** Histories fetched to count events. */
const HISTORY_SAMPLE = 5;

export async function runLifecycleBenchmark(
  options: LifecycleBenchmarkOptions = {},
): Promise<LifecycleBenchmarkResult> {
  const settings = { ...LIFECYCLE_DEFAULTS, ...definedOnly(options) };
  for (const name of ['lifecycles', 'concurrency', 'rounds', 'warmup'] as const) {
    const least = name === 'warmup' ? 0 : 1;
    const value = settings[name];
    if (!Number.isInteger(value) || value < least) throw new Error(`${name} must be an integer >= ${least}`);
  }
  const kinds = options.kinds ?? LIFECYCLE_KINDS;
  const progress = options.progress ?? (() => undefined);

  const rig = await startRig(['lifecycle', 'floor'], progress);
  try {
    const result: LifecycleBenchmarkResult = {};
    for (const kind of kinds) result[kind] = await measureKind(rig, kind, settings, progress);
    return result;
  } finally {
    await rig.close();
  }
}

type Side = 'ours' | 'floor';

interface SideRun {
  load: LoadResult;
  /** Workflow ids, in start order. */
  ids: string[];
  documents: number;
}

async function measureKind(
  rig: Rig,
  kind: LifecycleKind,
  settings: typeof LIFECYCLE_DEFAULTS,
  progress: (line: string) => void,
): Promise<LifecycleFigures> {
  let serial = 0;
  const run = async (side: Side, count: number): Promise<SideRun> => {
    const ids: string[] = [];
    let documents = 0;
    const call = side === 'ours' ? runOurs : runFloor;
    const load = await runLoad(
      count,
      settings.concurrency,
      async () => {
        const key = `${rig.runId}-${kind}-${side}-${serial++}`;
        const outcome = await withTimeout(call(rig, key, kind), LIFECYCLE_TIMEOUT_MS, `lifecycle ${key}`);
        ids.push(outcome.workflowId);
        documents += outcome.documents;
      },
      MAX_ERRORS,
    );
    if (load.errors >= MAX_ERRORS) {
      throw new Error(
        `${load.errors} ${side} ${kind} lifecycles failed; the first: ${describeError(load.firstError)}`,
      );
    }
    if (load.errors > 0) {
      progress(
        `warning: ${load.errors} of ${count} ${side} ${kind} lifecycles failed; first: ${describeError(load.firstError)}`,
      );
    }
    return { load, ids, documents };
  };

  progress(`${kind}: warm-up, ${settings.warmup} lifecycles per side`);
  await run('floor', settings.warmup);
  await run('ours', settings.warmup);

  const perRound = splitEvenly(settings.lifecycles, settings.rounds);
  const ours: SideRun[] = [];
  const floor: SideRun[] = [];
  const emulator: EmulatorStats[] = [];
  const cpu = { ours: emptyCpu(), floor: emptyCpu() };
  const measured = async (side: Side, count: number): Promise<SideRun> => {
    const before = await cpuSnapshot(rig, side);
    const result = await run(side, count);
    addCpu(cpu[side], before, await cpuSnapshot(rig, side));
    return result;
  };
  for (const [index, count] of perRound.entries()) {
    floor.push(await measured('floor', count));
    const before = await rig.emulator.stats();
    ours.push(await measured('ours', count));
    const after = await rig.emulator.stats();
    emulator.push(difference(before, after));
    progress(
      `${kind}: round ${index + 1}/${perRound.length}: floor ${perSecond(floor.at(-1)).toFixed(1)}/s, ` +
        `ours ${perSecond(ours.at(-1)).toFixed(1)}/s`,
    );
  }

  const oursAll = combine(ours);
  const floorAll = combine(floor);
  const requests = sumRequests(emulator);
  const logins = emulator.reduce((total, stats) => total + stats.logins, 0);
  const n = oursAll.count;
  const allRequests = Object.values(requests).reduce((a, b) => a + b, 0);
  const documentsPerLifecycle = ours.reduce((t, r) => t + r.documents, 0) / Math.max(1, n - oursAll.errors);
  const historyEvents = await mostHistoryEvents(rig, ours.at(-1)?.ids ?? []);
  const floorHistoryEvents = await mostHistoryEvents(rig, floor.at(-1)?.ids ?? []);

  return {
    lifecycles: n,
    lifecyclesPerSecond: round(oursAll.perSecond, 1),
    floorPerSecond: round(floorAll.perSecond, 1),
    ratio: round(oursAll.perSecond / floorAll.perSecond, 2),
    p50Ms: round(percentile(oursAll.durations, 50), 1),
    p99Ms: round(percentile(oursAll.durations, 99), 1),
    historyEvents,
    advanceRequestsPerLifecycle: round(allRequests / n, 3),
    loginsPer1000: round((logins / n) * 1000, 2),
    concurrency: settings.concurrency,
    minimumAdvanceRequestsPerLifecycle: round(4 + documentsPerLifecycle + logins / n, 3),
    advanceRequestsByEndpoint: Object.fromEntries(
      Object.entries(requests)
        .filter(([, count]) => count > 0)
        .map(([endpoint, count]) => [endpoint, round(count / n, 3)]),
    ),
    logins,
    documentsPerLifecycle: round(documentsPerLifecycle, 2),
    floorP50Ms: round(percentile(floorAll.durations, 50), 1),
    floorP99Ms: round(percentile(floorAll.durations, 99), 1),
    floorHistoryEvents,
    workerLogins: (await rig.emulator.stats()).logins,
    cpuRatio: round(
      (cpu.floor.worker + cpu.floor.server) / floorAll.count / ((cpu.ours.worker + cpu.ours.server) / n),
      2,
    ),
    cpuMsPerLifecycle: perLifecycle(cpu.ours, n),
    floorCpuMsPerLifecycle: perLifecycle(cpu.floor, floorAll.count),
    errors: oursAll.errors,
    floorErrors: floorAll.errors,
  };
}

/** CPU time used by each process of the rig, ms. */
interface CpuUse {
  worker: number;
  server: number;
  emulator: number;
  driver: number;
}

function emptyCpu(): CpuUse {
  return { worker: 0, server: 0, emulator: 0, driver: 0 };
}

async function cpuSnapshot(rig: Rig, side: Side): Promise<CpuUse> {
  const worker = rig.workers[side === 'ours' ? 'lifecycle' : 'floor'];
  const driver = process.cpuUsage();
  return {
    worker: (await worker?.cpuMs()) ?? Number.NaN,
    server: (await processCpuMs(rig.devServer.pid)) ?? Number.NaN,
    emulator: (await rig.emulator.stats()).cpuMs,
    driver: (driver.user + driver.system) / 1000,
  };
}

function addCpu(total: CpuUse, before: CpuUse, after: CpuUse): void {
  for (const key of Object.keys(total) as Array<keyof CpuUse>) total[key] += after[key] - before[key];
}

function perLifecycle(cpu: CpuUse, lifecycles: number): CpuUse {
  const each = (ms: number) => round(ms / Math.max(1, lifecycles), 2);
  return {
    worker: each(cpu.worker),
    server: each(cpu.server),
    emulator: each(cpu.emulator),
    driver: each(cpu.driver),
  };
}

interface Outcome {
  workflowId: string;
  documents: number;
}

/** One real lifecycle, driven the way a business system and the interview page drive it. */
async function runOurs(rig: Rig, key: string, kind: LifecycleKind): Promise<Outcome> {
  const workflowId = `assembly-${key}`;
  const begun = kind === 'interview' ? rig.begun.next(workflowId, LIFECYCLE_TIMEOUT_MS) : undefined;
  begun?.catch(() => undefined); // awaited below; a failed start must not leave it unhandled
  const started = await rig.lifecycles.start(benchmarkInput(key, kind));
  if (begun !== undefined) await rig.lifecycles.interviewCompleted(started.lifecycleId, await begun);
  const result: LifecycleResult = await rig.lifecycles.result(started.lifecycleId);
  if (result.outcome !== 'completed') throw new Error(`${workflowId} ended ${result.outcome}`);
  return { workflowId, documents: result.sessions.reduce((t, s) => t + s.documents.length, 0) };
}

/** One floor lifecycle, driven the same way. */
async function runFloor(rig: Rig, key: string, kind: LifecycleKind): Promise<Outcome> {
  const floor = rig.workers.floor;
  if (floor === undefined) throw new Error('no floor worker');
  const workflowId = `floor-${key}`;
  const begun = kind === 'interview' ? rig.begun.next(workflowId, LIFECYCLE_TIMEOUT_MS) : undefined;
  begun?.catch(() => undefined);
  const handle = await rig.temporal.workflow.start('floorLifecycle', {
    workflowId,
    taskQueue: floor.taskQueue,
    args: [benchmarkInput(key, kind)],
  });
  if (begun !== undefined) await handle.signal('interviewCompleted', { versionId: await begun });
  const result = (await handle.result()) as FloorResult;
  if (result.outcome !== 'completed') throw new Error(`${workflowId} ended ${String(result.outcome)}`);
  return { workflowId, documents: result.sessions.reduce((t, s) => t + s.documents.length, 0) };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : '';
  return `${error.message}${cause}`;
}

/**
 * Events in a completed lifecycle's history. The count moves by a few with timing (a signal that
 * lands while an activity completes shares its workflow task), so the most of the last few.
 */
async function mostHistoryEvents(rig: Rig, workflowIds: string[]): Promise<number> {
  const sample = workflowIds.slice(-HISTORY_SAMPLE);
  if (sample.length === 0) return Number.NaN;
  const counts = await Promise.all(
    sample.map(async (id) => (await rig.temporal.workflow.getHandle(id).fetchHistory()).events?.length ?? 0),
  );
  return Math.max(...counts);
}

function combine(runs: SideRun[]): {
  count: number;
  perSecond: number;
  durations: Float64Array;
  errors: number;
} {
  const count = runs.reduce((t, r) => t + r.load.requests, 0);
  const elapsedMs = runs.reduce((t, r) => t + r.load.elapsedMs, 0);
  const durations = new Float64Array(count);
  let offset = 0;
  for (const r of runs) {
    durations.set(r.load.durationsMs, offset);
    offset += r.load.durationsMs.length;
  }
  return {
    count,
    perSecond: count / (elapsedMs / 1000),
    durations,
    errors: runs.reduce((t, r) => t + r.load.errors, 0),
  };
}

function perSecond(run: SideRun | undefined): number {
  return run === undefined ? Number.NaN : run.load.requests / (run.load.elapsedMs / 1000);
}

function difference(before: EmulatorStats, after: EmulatorStats): EmulatorStats {
  const requests: Record<string, number> = {};
  for (const [endpoint, count] of Object.entries(after.requests))
    requests[endpoint] = count - (before.requests[endpoint] ?? 0);
  return {
    logins: after.logins - before.logins,
    connections: after.connections - before.connections,
    cpuMs: after.cpuMs - before.cpuMs,
    requests,
  };
}

function sumRequests(stats: EmulatorStats[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const s of stats)
    for (const [endpoint, count] of Object.entries(s.requests))
      total[endpoint] = (total[endpoint] ?? 0) + count;
  return total;
}

function splitEvenly(total: number, parts: number): number[] {
  const count = Math.min(parts, total);
  return Array.from({ length: count }, (_, i) => Math.floor(total / count) + (i < total % count ? 1 : 0));
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A small human-readable table. */
export function formatLifecycleTable(result: LifecycleBenchmarkResult): string {
  const header = [
    'kind',
    'lifecycles',
    'ours/s',
    'floor/s',
    'ratio',
    'cpu ratio',
    'p50 ms',
    'p99 ms',
    'floor p50',
    'history',
    'requests/lc',
    'minimum',
    'logins/1000',
    'errors',
  ];
  const rows = [header];
  for (const kind of LIFECYCLE_KINDS) {
    const f = result[kind];
    if (f === undefined) continue;
    rows.push([
      kind,
      String(f.lifecycles),
      f.lifecyclesPerSecond.toFixed(1),
      f.floorPerSecond.toFixed(1),
      f.ratio.toFixed(2),
      f.cpuRatio.toFixed(2),
      f.p50Ms.toFixed(0),
      f.p99Ms.toFixed(0),
      f.floorP50Ms.toFixed(0),
      `${f.historyEvents} (floor ${f.floorHistoryEvents})`,
      f.advanceRequestsPerLifecycle.toFixed(2),
      f.minimumAdvanceRequestsPerLifecycle.toFixed(2),
      f.loginsPer1000.toFixed(2),
      `${f.errors}/${f.floorErrors}`,
    ]);
  }
  const cpuRows = [['cpu ms per lifecycle', 'worker', 'server', 'emulator', 'client']];
  for (const kind of LIFECYCLE_KINDS) {
    const f = result[kind];
    if (f === undefined) continue;
    const cells = (c: CpuUse) => [c.worker, c.server, c.emulator, c.driver].map((ms) => ms.toFixed(1));
    cpuRows.push(
      [`${kind} ours`, ...cells(f.cpuMsPerLifecycle)],
      [`${kind} floor`, ...cells(f.floorCpuMsPerLifecycle)],
    );
  }
  const concurrency = Object.values(result)[0]?.concurrency;
  return [
    `Lifecycles through one worker vs the no-op floor (concurrency ${concurrency})`,
    table(rows),
    table(cpuRows),
  ].join('\n');
}

export function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, column) =>
    Math.max(...rows.map((cells) => (cells[column] ?? '').length)),
  );
  return rows
    .map((cells) =>
      cells
        .map((cell, column) =>
          column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
        )
        .join('  '),
    )
    .join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      lifecycles: { type: 'string' },
      concurrency: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      kinds: { type: 'string' },
      'json-only': { type: 'boolean', default: false },
    },
  });
  const int = (text: string | undefined) => (text === undefined ? undefined : Number(text));
  const kinds = values.kinds?.split(',').map((k) => k.trim()) as LifecycleKind[] | undefined;
  if (kinds?.some((k) => !LIFECYCLE_KINDS.includes(k))) throw new Error('--kinds: interview, batch');
  const result = await runLifecycleBenchmark({
    lifecycles: int(values.lifecycles),
    concurrency: int(values.concurrency),
    rounds: int(values.rounds),
    warmup: int(values.warmup),
    kinds,
    progress: (line) => console.error(line),
  });
  if (!values['json-only']) console.error(formatLifecycleTable(result));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
