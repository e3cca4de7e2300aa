/**
 * Lifecycles per second through ONE worker, against a floor: the same shape (same activities in
 * the same order, same signal wait) with activities that do nothing, run by a worker with the
 * same settings on the same server in the same run. `ratio` = ours / floor: how much of what
 * Temporal allows our own code keeps (above 1: ours is cheaper than the plain way). Beside it,
 * the peer (bench/peer/): the lifecycle as a plain Temporal implementation writes it, doing the
 * same HotDocs Advance calls and document writes (one regular activity per step, a connection per
 * call, a login per lifecycle, documents downloaded whole); `peer.ratioRounds` = ours / peer, the
 * median of the rounds and their range.
 *
 * Each protocol (HotDocs Advance v1.1, v2.0: one lifecycle worker each) and kind runs a closed
 * loop (`concurrency` lifecycles in flight; each slot starts the next as its last one ends).
 * Interview lifecycles are reported complete as soon as their session begins (the worker's begin
 * hook), so latency holds no polling delay. Rounds alternate floor, ours, the peer and any baselines (the
 * lifecycle worker of an earlier commit, its workflows and activities, `--baseline <ref>`), so
 * load that comes and goes on the machine falls on all of them.
 *
 *   npx tsx bench/lifecycle.ts [--lifecycles 200] [--concurrency 32] [--rounds 3] [--warmup 30]
 *                              [--kinds interview,batch] [--protocols v1.1,v2.0]
 *                              [--baseline <git ref>[,<git ref>...]] [--tracing] [--cpu-prof <dir>] [--json-only]
 */
import { parseArgs } from 'node:util';
import type { EmulatorApiVersion } from '../tools/dev/emulator-env';
import { baselineSource } from './lib/bundles';
import { definedOnly } from './lib/options';
import { addCpu, cpuSnapshot, emptyCpu, perLifecycle, round, type CpuUse } from './lib/cpu';
import {
  floorDriver,
  peerDriver,
  lifecycleDriver,
  LIFECYCLE_TIMEOUT_MS,
  type Driver,
  type LifecycleKind,
  type Outcome,
} from './lib/drivers';
import type { EmulatorStats } from './lib/emulator-process';
import { historyStats, type EventKind } from './lib/history-stats';
import { formatLifecycleTable } from './lib/lifecycle-table';
import { percentile, runLoad, type LoadResult } from './lib/load';
import { startRig, type Rig, type RigWorker, type WorkerSpec } from './lib/rig';

export type { LifecycleKind } from './lib/drivers';
export { formatLifecycleTable } from './lib/lifecycle-table';
export const LIFECYCLE_KINDS: readonly LifecycleKind[] = ['interview', 'batch'];
export type Protocol = EmulatorApiVersion;
export const PROTOCOLS: readonly Protocol[] = ['v1.1', 'v2.0'];

export interface LifecycleBenchmarkOptions {
  /** Measured lifecycles per protocol and kind, for ours, the floor and each baseline. */
  lifecycles?: number;
  /** Lifecycles in flight at once. */
  concurrency?: number;
  /** Floor/ours alternations the measured lifecycles are split into. */
  rounds?: number;
  /** Unmeasured lifecycles per kind and side first (JIT, caches, the worker's one login). */
  warmup?: number;
  kinds?: readonly LifecycleKind[];
  /** The Advance protocols ours (and the baselines) speak, one worker each. */
  protocols?: readonly Protocol[];
  /**
   * Git refs whose lifecycle worker (`src/`: workflows and activities) runs as a baseline beside
   * ours, measured in the same rounds.
   */
  baselines?: readonly string[];
  /** Profile every worker's CPU (`node --cpu-prof`) into this folder. */
  cpuProfileDir?: string;
  /**
   * Also run this tree's worker with tracing on and every lifecycle sampled (`OTEL_*`, spans to a
   * loopback OTLP endpoint, trace context from the business system's client), measured in the same
   * rounds as `tracing on` beside the baselines. @default false
   */
  tracing?: boolean;
  progress?: (line: string) => void;
}

/** The label (and `baselines` key) of the traced side in the figures. */
const TRACED_SIDE = 'tracing on';

/** What one side (ours, a baseline, the floor) did in the measured rounds of one protocol and kind. */
export interface SideFigures {
  lifecycles: number;
  lifecyclesPerSecond: number;
  /** Start → result of one lifecycle (nearest rank), with `concurrency` in flight. */
  p50Ms: number;
  p99Ms: number;
  /** `interviewCompleted` sent (batch: the start) → the worker's `storeDocuments` returned. */
  documentsStoredP50Ms: number;
  documentsStoredP99Ms: number;
  /** Events in a completed lifecycle's history (the most of the last five). */
  historyEvents: number;
  /** The history's encoded size and the payload bytes in it, per lifecycle (mean of five). */
  historyBytes: number;
  historyPayloadBytes: number;
  historyEventsByKind: Record<EventKind, number>;
  cpuMsPerLifecycle: CpuUse;
  /** Every HotDocs Advance request (logins included) per lifecycle; 0 for the floor. */
  advanceRequestsPerLifecycle: number;
  advanceRequestsByEndpoint: Record<string, number>;
  logins: number;
  documentsPerLifecycle: number;
  errors: number;
}

export interface LifecycleFigures {
  protocol: Protocol;
  /** Measured lifecycles of ours (the floor ran as many). */
  lifecycles: number;
  lifecyclesPerSecond: number;
  floorPerSecond: number;
  /** lifecyclesPerSecond / floorPerSecond. */
  ratio: number;
  p50Ms: number;
  p99Ms: number;
  /** `interviewCompleted` sent (batch: the start) → documents stored, ours. */
  documentsStoredP50Ms: number;
  documentsStoredP99Ms: number;
  historyEvents: number;
  historyBytes: number;
  historyPayloadBytes: number;
  historyEventsByKind: Record<EventKind, number>;
  /** Every HotDocs Advance request (logins included) the measured lifecycles made, per lifecycle. */
  advanceRequestsPerLifecycle: number;
  /** Logins per 1,000 measured lifecycles. */
  loginsPer1000: number;
  // ---- context ----
  concurrency: number;
  /**
   * create + begin + complete (v2.0 batch: one CreateAndAssemble instead of begin + complete)
   * + list + one download per stored document, + logins amortised.
   */
  minimumAdvanceRequestsPerLifecycle: number;
  advanceRequestsByEndpoint: Record<string, number>;
  logins: number;
  /** Every login this protocol's worker made since it started, warm-up included. */
  workerLogins: number;
  documentsPerLifecycle: number;
  floorP50Ms: number;
  floorP99Ms: number;
  floorDocumentsStoredP50Ms: number;
  floorDocumentsStoredP99Ms: number;
  floorHistoryEvents: number;
  floorHistoryBytes: number;
  floorHistoryPayloadBytes: number;
  floorHistoryEventsByKind: Record<EventKind, number>;
  /** CPU time per lifecycle of the worker, the Temporal dev server, the emulator and this benchmark. */
  cpuMsPerLifecycle: CpuUse;
  floorCpuMsPerLifecycle: CpuUse;
  /** Floor / ours CPU time (worker + Temporal server) per lifecycle: steadier than `ratio` under load. */
  cpuRatio: number;
  /** Floor / ours CPU time of the Temporal server alone per lifecycle. */
  serverCpuRatio: number;
  /** Floor / ours CPU time of the worker process alone per lifecycle. */
  workerCpuRatio: number;
  errors: number;
  floorErrors: number;
  /**
   * ours/floor per round (lifecycles per second in the same round): the median of the rounds and
   * their lowest and highest.
   */
  floorRatioRounds: RoundRatios;
  /**
   * The peer (bench/peer/): the same lifecycle as a plain Temporal implementation writes it, doing
   * the same HotDocs Advance calls and document writes; `ratioRounds` is ours/peer per round.
   */
  peer: SideFigures & { ratioRounds: RoundRatios };
  /** Each `--baseline` ref, measured in the same rounds: its figures and ratios to the same floor. */
  baselines?: Record<string, BaselineFigures>;
}

/** A ratio measured in every round: the median and the range of the rounds. */
export interface RoundRatios {
  median: number;
  min: number;
  max: number;
}

export type BaselineFigures = SideFigures & {
  commit: string;
  ratio: number;
  cpuRatio: number;
  serverCpuRatio: number;
};

export type LifecycleBenchmarkResult = Partial<
  Record<Protocol, Partial<Record<LifecycleKind, LifecycleFigures>>>
>;

export const LIFECYCLE_DEFAULTS = {
  lifecycles: 200,
  concurrency: 32,
  rounds: 3,
  warmup: 30,
};

/** After this many failed lifecycles in one loop the benchmark stops: the setup is broken. */
const MAX_ERRORS = 5;

/** One side of a protocol's comparison: the workflows it runs and how a lifecycle is driven. */
interface Side {
  label: string;
  worker: RigWorker;
  drive: Driver;
  /** Counts Advance requests (the floor makes none). */
  callsAdvance: boolean;
  /** Lifecycles driven so far, warm-up included (the peer logs in once for each). */
  driven: number;
  commit?: string;
}

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
  const protocols = options.protocols ?? PROTOCOLS;
  const progress = options.progress ?? (() => undefined);

  const baselines = [];
  for (const ref of options.baselines ?? []) {
    const { file, commit, sourceRoot } = await baselineSource(ref);
    progress(`baseline ${ref}: the worker of ${commit.slice(0, 12)} (workflows and activities)`);
    baselines.push({ ref, file, commit, sourceRoot });
  }
  const specs: WorkerSpec[] = [{ name: 'floor', kind: 'floor' }];
  for (const protocol of protocols) {
    specs.push({ name: `ours-${protocol}`, kind: 'lifecycle', protocol });
    specs.push({ name: `peer-${protocol}`, kind: 'peer', protocol });
    for (const [index, baseline] of baselines.entries())
      specs.push({
        name: `baseline${index}-${protocol}`,
        kind: 'lifecycle',
        protocol,
        bundle: baseline.file,
        sourceRoot: baseline.sourceRoot,
      });
    if (options.tracing === true)
      specs.push({ name: `traced-${protocol}`, kind: 'lifecycle', protocol, traced: true });
  }

  const rig = await startRig(specs, progress, { cpuProfileDir: options.cpuProfileDir });
  try {
    const worker = (name: string) => {
      const found = rig.workers[name];
      if (found === undefined) throw new Error(`no worker ${name}`);
      return found;
    };
    const floorWorker = worker('floor');
    const floor: Side = {
      label: 'floor',
      worker: floorWorker,
      drive: floorDriver(rig, floorWorker),
      callsAdvance: false,
      driven: 0,
    };
    const peers: Side[] = [];
    const result: LifecycleBenchmarkResult = {};
    for (const protocol of protocols) {
      const oursWorker = worker(`ours-${protocol}`);
      const ours: Side = {
        label: 'ours',
        worker: oursWorker,
        drive: lifecycleDriver(rig, oursWorker),
        callsAdvance: true,
        driven: 0,
      };
      const peerWorker = worker(`peer-${protocol}`);
      const peer: Side = {
        label: 'peer',
        worker: peerWorker,
        drive: peerDriver(rig, peerWorker),
        callsAdvance: true,
        driven: 0,
      };
      peers.push(peer);
      const others = baselines.map(({ ref, commit }, index): Side => {
        const w = worker(`baseline${index}-${protocol}`);
        return {
          label: ref,
          worker: w,
          drive: lifecycleDriver(rig, w),
          callsAdvance: true,
          driven: 0,
          commit,
        };
      });
      if (options.tracing === true) {
        const w = worker(`traced-${protocol}`);
        others.push({
          label: TRACED_SIDE,
          worker: w,
          drive: lifecycleDriver(rig, w),
          callsAdvance: true,
          driven: 0,
          commit: 'this tree, always_on',
        });
      }
      const byKind: Partial<Record<LifecycleKind, LifecycleFigures>> = {};
      for (const kind of kinds) {
        const peerLogins = () => peers.reduce((total, side) => total + side.driven, 0);
        byKind[kind] = await measureKind(
          rig,
          { protocol, kind, floor, ours, peer, others, peerLogins },
          settings,
          progress,
        );
      }
      result[protocol] = byKind;
    }
    if (rig.spanSink !== undefined) {
      const { exports, bytes } = rig.spanSink.stats();
      progress(`span sink: ${exports} exports, ${(bytes / 1024 / 1024).toFixed(1)} MiB of spans`);
    }
    return result;
  } finally {
    await rig.close();
  }
}

interface SideRun {
  load: LoadResult;
  /** Workflow ids, in start order. */
  ids: string[];
  documents: number;
  toStoredMs: number[];
}

interface SideTotals {
  runs: SideRun[];
  cpu: CpuUse;
  emulator: EmulatorStats[];
}

async function measureKind(
  rig: Rig,
  sides: {
    protocol: Protocol;
    kind: LifecycleKind;
    floor: Side;
    ours: Side;
    peer: Side;
    others: Side[];
    /** Logins the peers made so far: one per lifecycle, not the workers' own. */
    peerLogins: () => number;
  },
  settings: typeof LIFECYCLE_DEFAULTS,
  progress: (line: string) => void,
): Promise<LifecycleFigures> {
  const { protocol, kind } = sides;
  const all = [sides.floor, sides.ours, sides.peer, ...sides.others];
  const what = `${protocol} ${kind}`;
  let serial = 0;
  const run = async (side: Side, count: number): Promise<SideRun> => {
    const ids: string[] = [];
    const toStoredMs: number[] = [];
    let documents = 0;
    const load = await runLoad(
      count,
      settings.concurrency,
      async () => {
        const key = `${rig.runId}-${protocol}-${kind}-${side.worker.spec.name}-${serial++}`;
        side.driven += 1;
        const outcome: Outcome = await withTimeout(
          side.drive(key, kind),
          LIFECYCLE_TIMEOUT_MS,
          `lifecycle ${key}`,
        );
        ids.push(outcome.workflowId);
        documents += outcome.documents;
        toStoredMs.push(outcome.toStoredMs);
      },
      MAX_ERRORS,
    );
    if (load.errors >= MAX_ERRORS) {
      throw new Error(
        `${load.errors} ${side.label} ${what} lifecycles failed; the first: ${describeError(load.firstError)}`,
      );
    }
    if (load.errors > 0) {
      progress(
        `warning: ${load.errors} of ${count} ${side.label} ${what} lifecycles failed; first: ${describeError(load.firstError)}`,
      );
    }
    return { load, ids, documents, toStoredMs };
  };

  progress(`${what}: warm-up, ${settings.warmup} lifecycles per side`);
  for (const side of all) await run(side, settings.warmup);

  const roundRates = new Map<Side, number[]>(all.map((side) => [side, []]));
  const totals = new Map<Side, SideTotals>(
    all.map((side) => [side, { runs: [], cpu: emptyCpu(), emulator: [] }]),
  );
  for (const [index, count] of splitEvenly(settings.lifecycles, settings.rounds).entries()) {
    const rates: string[] = [];
    for (const side of all) {
      const total = totals.get(side) as SideTotals;
      const cpuBefore = await cpuSnapshot(rig, side.worker);
      const emulatorBefore = await rig.emulator.stats();
      const result = await run(side, count);
      const emulatorAfter = await rig.emulator.stats();
      addCpu(total.cpu, cpuBefore, await cpuSnapshot(rig, side.worker));
      if (side.callsAdvance) total.emulator.push(difference(emulatorBefore, emulatorAfter));
      total.runs.push(result);
      rates.push(`${side.label} ${perSecond(result).toFixed(1)}/s`);
      roundRates.get(side)?.push(perSecond(result));
    }
    progress(`${what}: round ${index + 1}/${settings.rounds}: ${rates.join(', ')}`);
  }

  const figures = async (side: Side) => sideFigures(rig, totals.get(side) as SideTotals);
  const ours = await figures(sides.ours);
  const floor = await figures(sides.floor);
  const oursEmulator = totals.get(sides.ours)?.emulator ?? [];
  const ratioTo = (side: SideFigures) => ({
    ratio: round(side.lifecyclesPerSecond / floor.lifecyclesPerSecond, 2),
    cpuRatio: round(cpuOf(floor) / cpuOf(side), 2),
    serverCpuRatio: round(floor.cpuMsPerLifecycle.server / side.cpuMsPerLifecycle.server, 2),
  });
  const roundRatios = (against: Side): RoundRatios => {
    const oursRates = roundRates.get(sides.ours) ?? [];
    const theirs = roundRates.get(against) ?? [];
    return summarise(oursRates.map((rate, i) => rate / (theirs[i] ?? Number.NaN)));
  };
  const peer = await figures(sides.peer);
  const baselines: Record<string, BaselineFigures> = {};
  for (const side of sides.others) {
    const baseline = await figures(side);
    baselines[side.label] = { commit: side.commit ?? '', ...baseline, ...ratioTo(baseline) };
  }
  const assembliesPerLifecycle = protocol === 'v2.0' && kind === 'batch' ? 1 : 2;
  return {
    protocol,
    lifecycles: ours.lifecycles,
    lifecyclesPerSecond: ours.lifecyclesPerSecond,
    floorPerSecond: floor.lifecyclesPerSecond,
    ...ratioTo(ours),
    p50Ms: ours.p50Ms,
    p99Ms: ours.p99Ms,
    documentsStoredP50Ms: ours.documentsStoredP50Ms,
    documentsStoredP99Ms: ours.documentsStoredP99Ms,
    historyEvents: ours.historyEvents,
    historyBytes: ours.historyBytes,
    historyPayloadBytes: ours.historyPayloadBytes,
    historyEventsByKind: ours.historyEventsByKind,
    advanceRequestsPerLifecycle: ours.advanceRequestsPerLifecycle,
    loginsPer1000: round((ours.logins / Math.max(1, ours.lifecycles)) * 1000, 2),
    concurrency: settings.concurrency,
    minimumAdvanceRequestsPerLifecycle: round(
      2 + assembliesPerLifecycle + ours.documentsPerLifecycle + ours.logins / Math.max(1, ours.lifecycles),
      3,
    ),
    advanceRequestsByEndpoint: ours.advanceRequestsByEndpoint,
    logins: oursEmulator.reduce((total, stats) => total + stats.logins, 0),
    workerLogins: await workerLogins(rig, sides.peerLogins()),
    documentsPerLifecycle: ours.documentsPerLifecycle,
    floorP50Ms: floor.p50Ms,
    floorP99Ms: floor.p99Ms,
    floorDocumentsStoredP50Ms: floor.documentsStoredP50Ms,
    floorDocumentsStoredP99Ms: floor.documentsStoredP99Ms,
    floorHistoryEvents: floor.historyEvents,
    floorHistoryBytes: floor.historyBytes,
    floorHistoryPayloadBytes: floor.historyPayloadBytes,
    floorHistoryEventsByKind: floor.historyEventsByKind,
    cpuMsPerLifecycle: ours.cpuMsPerLifecycle,
    floorCpuMsPerLifecycle: floor.cpuMsPerLifecycle,
    workerCpuRatio: round(floor.cpuMsPerLifecycle.worker / ours.cpuMsPerLifecycle.worker, 2),
    errors: ours.errors,
    floorErrors: floor.errors,
    floorRatioRounds: roundRatios(sides.floor),
    peer: { ...peer, ratioRounds: roundRatios(sides.peer) },
    ...(sides.others.length > 0 && { baselines }),
  };
}

/** Median (middle value, or the mean of the two middle ones) and range, to two places. */
function summarise(ratios: number[]): RoundRatios {
  const sorted = [...ratios].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return {
    median: round(median, 2),
    min: round(sorted[0] ?? Number.NaN, 2),
    max: round(sorted.at(-1) ?? Number.NaN, 2),
  };
}

function cpuOf(side: SideFigures): number {
  return side.cpuMsPerLifecycle.worker + side.cpuMsPerLifecycle.server;
}

async function sideFigures(rig: Rig, totals: SideTotals): Promise<SideFigures> {
  const { runs, cpu, emulator } = totals;
  const count = runs.reduce((t, r) => t + r.load.requests, 0);
  const elapsedMs = runs.reduce((t, r) => t + r.load.elapsedMs, 0);
  const errors = runs.reduce((t, r) => t + r.load.errors, 0);
  const durations = Float64Array.from(runs.flatMap((r) => Array.from(r.load.durationsMs)));
  const toStored = Float64Array.from(runs.flatMap((r) => r.toStoredMs));
  const requests = sumRequests(emulator);
  const allRequests = Object.values(requests).reduce((a, b) => a + b, 0);
  const history = await historyStats(rig.temporal, runs.at(-1)?.ids ?? []);
  const documents = runs.reduce((t, r) => t + r.documents, 0);
  return {
    lifecycles: count,
    lifecyclesPerSecond: round(count / (elapsedMs / 1000), 1),
    p50Ms: round(percentile(durations, 50), 1),
    p99Ms: round(percentile(durations, 99), 1),
    documentsStoredP50Ms: round(percentile(toStored, 50), 1),
    documentsStoredP99Ms: round(percentile(toStored, 99), 1),
    historyEvents: history?.events ?? Number.NaN,
    historyBytes: history?.bytes ?? Number.NaN,
    historyPayloadBytes: history?.payloadBytes ?? Number.NaN,
    historyEventsByKind: history?.byKind ?? ({} as Record<EventKind, number>),
    cpuMsPerLifecycle: perLifecycle(cpu, count),
    advanceRequestsPerLifecycle: round(allRequests / Math.max(1, count), 3),
    advanceRequestsByEndpoint: Object.fromEntries(
      Object.entries(requests)
        .filter(([, n]) => n > 0)
        .map(([endpoint, n]) => [endpoint, round(n / Math.max(1, count), 3)]),
    ),
    logins: emulator.reduce((total, stats) => total + stats.logins, 0),
    documentsPerLifecycle: round(documents / Math.max(1, count - errors), 2),
    errors,
  };
}

/**
 * Logins per lifecycle worker since the workers started, warm-up included. The emulator counts
 * the logins of every worker together (the same credentials); each worker logs in once per token
 * lifetime, so the total, less the peers' one login per lifecycle, divided among the lifecycle
 * workers is one worker's figure.
 */
async function workerLogins(rig: Rig, peerLogins: number): Promise<number> {
  const lifecycleWorkers = Object.values(rig.workers).filter((w) => w?.spec.kind === 'lifecycle').length;
  const logins = (await rig.emulator.stats()).logins - peerLogins;
  return round(logins / Math.max(1, lifecycleWorkers), 2);
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

function perSecond(run: SideRun): number {
  return run.load.requests / (run.load.elapsedMs / 1000);
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

/** `--protocols v1.1,v2.0` and `--kinds interview,batch`, checked. */
export function parseList<T extends string>(text: string | undefined, allowed: readonly T[], flag: string) {
  if (text === undefined) return undefined;
  const items = text.split(',').map((item) => item.trim());
  const unknown = items.filter((item) => !(allowed as readonly string[]).includes(item));
  if (unknown.length > 0)
    throw new Error(`${flag}: unknown ${unknown.join(', ')}; one or more of ${allowed.join(', ')}`);
  return items as T[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      lifecycles: { type: 'string' },
      concurrency: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      kinds: { type: 'string' },
      protocols: { type: 'string' },
      baseline: { type: 'string' },
      tracing: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      'json-only': { type: 'boolean', default: false },
    },
  });
  const int = (text: string | undefined) => (text === undefined ? undefined : Number(text));
  const result = await runLifecycleBenchmark({
    lifecycles: int(values.lifecycles),
    concurrency: int(values.concurrency),
    rounds: int(values.rounds),
    warmup: int(values.warmup),
    kinds: parseList(values.kinds, LIFECYCLE_KINDS, '--kinds'),
    protocols: parseList(values.protocols, PROTOCOLS, '--protocols'),
    baselines: values.baseline?.split(',').map((ref) => ref.trim()),
    tracing: values.tracing,
    cpuProfileDir: values['cpu-prof'],
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
