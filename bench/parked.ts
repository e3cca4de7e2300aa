/**
 * Memory of ONE worker process holding many lifecycles parked at the interview wait, with
 * default worker settings (as `npm start` runs it), then the time to drain them all: every
 * interview reported complete at once, until the last lifecycle has completed.
 *
 * The worker runs in its own process; its RSS is read from /proc (VmRSS; VmHWM is the peak) and
 * its V8 heap from `process.memoryUsage()`. Lifecycles are started and signalled by a bounded
 * pool of concurrent calls. The default count fits the 10-minute `npm run bench` budget on two
 * cores; pass `--workflows 10000` for the full target (13-15 minutes there).
 *
 *   npx tsx bench/parked.ts [--workflows 3000] [--concurrency 64] [--json-only]
 */
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { percentile, runLoad } from './lib/load';
import { benchmarkInput, startRig, type Rig } from './lib/rig';

export interface ParkedBenchmarkOptions {
  /** Lifecycles parked at the interview wait. */
  workflows?: number;
  /** Starts (and later signals) in flight at once. */
  concurrency?: number;
  progress?: (line: string) => void;
}

export interface ParkedFigures {
  workflows: number;
  /**
   * Resident set size of the worker process with every lifecycle parked (VmRSS), MiB: the median
   * of the readings at rest (see `rssAtRest`), so that a collection that happens to run at the
   * moment of one reading does not decide the figure.
   */
  rssMb: number;
  /** The readings the median is taken from: every 500 ms for 10 s, after 2 s of rest. */
  rssAtRest: { minMb: number; maxMb: number; samples: number };
  /** V8 heap in use in the worker process at the same moment, MiB. */
  heapMb: number;
  /** From the first signal until every lifecycle had completed, seconds. */
  drainSeconds: number;
  // ---- context ----
  /** Peak RSS of the worker process during the run (VmHWM), MiB. */
  peakRssMb: number;
  /** Worker RSS while parking, every tenth of the way. */
  rssCurve: Array<{ parked: number; rssMb: number }>;
  /** From the first start until every lifecycle waited for its interview, seconds. */
  parkSeconds: number;
  /** The worker's cache size with default settings (`maxCachedWorkflows`), for reading rssMb. */
  maxCachedWorkflows: number;
  /** Lifecycles that did not complete. */
  errors: number;
}

export const PARKED_DEFAULTS = { workflows: 3000, concurrency: 64 };

const POLL_MS = 250;
const PHASE_TIMEOUT_MS = 20 * 60_000;
const MiB = 1024 * 1024;

export async function runParkedBenchmark(options: ParkedBenchmarkOptions = {}): Promise<ParkedFigures> {
  const workflows = options.workflows ?? PARKED_DEFAULTS.workflows;
  const concurrency = options.concurrency ?? PARKED_DEFAULTS.concurrency;
  for (const [name, value] of Object.entries({ workflows, concurrency })) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be an integer >= 1`);
  }
  const progress = options.progress ?? (() => undefined);

  const rig = await startRig([{ name: 'lifecycle', kind: 'lifecycle' }], progress);
  try {
    const worker = rig.workers['lifecycle'];
    if (worker === undefined) throw new Error('no lifecycle worker');
    const queue = `TaskQueue = '${worker.taskQueue}'`;
    const ids = Array.from({ length: workflows }, (_, i) => `${rig.runId}-parked-${i}`);

    // ---- park ---------------------------------------------------------------------------------
    const rssCurve: ParkedFigures['rssCurve'] = [];
    const step = Math.max(1, Math.round(workflows / 10));
    const sampler = sampleWhileParking(rig, workflows, step, rssCurve, progress);
    const parkStarted = performance.now();
    const starts = await runLoad(
      workflows,
      concurrency,
      (i) => rig.lifecycles.start(benchmarkInput(ids[i] ?? '', 'interview')),
      10,
    );
    if (starts.errors > 0)
      throw new Error(`${starts.errors} starts failed; first: ${String(starts.firstError)}`);
    progress(`parked: ${workflows} started in ${(starts.elapsedMs / 1000).toFixed(1)} s`);
    await until(() => rig.begun.size >= workflows, 'every session to begin');
    // The stage is upserted in the workflow task after beginSession: then the lifecycle waits.
    await until(
      async () =>
        (await count(
          rig,
          `${queue} AND ExecutionStatus = 'Running' AND HotDocsStage = 'waiting-for-interview'`,
        )) >= workflows,
      'every lifecycle to wait for its interview',
    );
    const parkSeconds = (performance.now() - parkStarted) / 1000;
    await sampler;
    progress(`parked: all ${workflows} waiting after ${parkSeconds.toFixed(1)} s`);

    // Let the worker settle (timers, GC of the start-up garbage) before reading its memory.
    await delay(2000);
    const heap = await worker.memory();
    const atRest = await rssAtRest(worker, heap.rss);
    const rss = atRest.median;
    progress(
      `parked: worker rss ${(rss / MiB).toFixed(0)} MiB (median of ${atRest.samples} readings, ` +
        `${(atRest.min / MiB).toFixed(0)}–${(atRest.max / MiB).toFixed(0)}), heap ${(heap.heapUsed / MiB).toFixed(0)} MiB`,
    );

    // ---- drain --------------------------------------------------------------------------------
    const drainStarted = performance.now();
    const signals = await runLoad(
      workflows,
      concurrency,
      async (i) => {
        const id = `assembly-${ids[i] ?? ''}`;
        const versionId = rig.begun.versionOf(id);
        if (versionId === undefined) throw new Error(`no begun session known for ${id}`);
        await rig.lifecycles.interviewCompleted(id, versionId);
      },
      10,
    );
    if (signals.errors > 0)
      throw new Error(`${signals.errors} signals failed; first: ${String(signals.firstError)}`);
    progress(`drain: ${workflows} signalled in ${(signals.elapsedMs / 1000).toFixed(1)} s`);
    await until(
      async () => (await count(rig, `${queue} AND ExecutionStatus = 'Running'`)) === 0,
      'every lifecycle to close',
    );
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    const completed = await count(rig, `${queue} AND ExecutionStatus = 'Completed'`);
    progress(`drain: ${completed} of ${workflows} completed after ${drainSeconds.toFixed(1)} s`);
    const peak = (await worker.procMemory())?.peakRss;

    return {
      workflows,
      rssMb: Math.round(rss / MiB),
      rssAtRest: {
        minMb: Math.round(atRest.min / MiB),
        maxMb: Math.round(atRest.max / MiB),
        samples: atRest.samples,
      },
      heapMb: Math.round(heap.heapUsed / MiB),
      drainSeconds: Math.round(drainSeconds * 10) / 10,
      peakRssMb: peak === undefined ? Number.NaN : Math.round(peak / MiB),
      rssCurve,
      parkSeconds: Math.round(parkSeconds * 10) / 10,
      maxCachedWorkflows: worker.maxCachedWorkflows,
      errors: workflows - completed,
    };
  } finally {
    await rig.close();
  }
}

/** Records the worker's RSS each time another `step` sessions have begun. */
async function sampleWhileParking(
  rig: Rig,
  workflows: number,
  step: number,
  curve: ParkedFigures['rssCurve'],
  progress: (line: string) => void,
): Promise<void> {
  const worker = rig.workers['lifecycle'];
  let next = step;
  while (next <= workflows) {
    await until(() => rig.begun.size >= next, `${next} sessions to begin`);
    const rss = (await worker?.procMemory())?.rss;
    if (rss !== undefined) curve.push({ parked: rig.begun.size, rssMb: Math.round(rss / MiB) });
    progress(
      `parked: ${rig.begun.size} of ${workflows} begun, worker rss ${rss === undefined ? '?' : Math.round(rss / MiB)} MiB`,
    );
    next += step;
  }
}

async function count(rig: Rig, query: string): Promise<number> {
  return (await rig.temporal.workflow.count(query)).count;
}

const AT_REST_SAMPLES = 20;
const AT_REST_EVERY_MS = 500;

/**
 * The worker's RSS at rest: readings every 500 ms for 10 s, summed up as the benchmark's other
 * percentiles are (nearest rank); `fallback` where /proc is not readable.
 */
async function rssAtRest(
  worker: { procMemory(): Promise<{ rss: number } | undefined> },
  fallback: number,
): Promise<{ median: number; min: number; max: number; samples: number }> {
  const readings = new Float64Array(AT_REST_SAMPLES);
  for (let i = 0; i < AT_REST_SAMPLES; i += 1) {
    if (i > 0) await delay(AT_REST_EVERY_MS);
    readings[i] = (await worker.procMemory())?.rss ?? fallback;
  }
  return {
    median: percentile(readings, 50),
    min: percentile(readings, 0),
    max: percentile(readings, 100),
    samples: readings.length,
  };
}

async function until(probe: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(POLL_MS);
  }
}

export function formatParkedTable(result: ParkedFigures): string {
  return [
    `Parked lifecycles in one worker process (maxCachedWorkflows ${result.maxCachedWorkflows}, every other worker setting its default)`,
    `  workflows ${result.workflows}, worker rss ${result.rssMb} MiB at rest (median; ${result.rssAtRest.minMb}–${result.rssAtRest.maxMb} over ${result.rssAtRest.samples} readings; peak ${result.peakRssMb}), heap ${result.heapMb} MiB`,
    `  parked in ${result.parkSeconds} s, drained in ${result.drainSeconds} s, errors ${result.errors}`,
    `  rss while parking: ${result.rssCurve.map((p) => `${p.parked}:${p.rssMb}`).join(' ')}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workflows: { type: 'string' },
      concurrency: { type: 'string' },
      'json-only': { type: 'boolean', default: false },
    },
  });
  const int = (text: string | undefined) => (text === undefined ? undefined : Number(text));
  const result = await runParkedBenchmark({
    workflows: int(values.workflows),
    concurrency: int(values.concurrency),
    progress: (line) => console.error(line),
  });
  if (!values['json-only']) console.error(formatParkedTable(result));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
