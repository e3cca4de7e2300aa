/**
 * The lifecycle and parked benchmarks on the production Temporal cluster beside the dev server,
 * in one run: `npm run bench:cluster`. The cluster is tools/cluster's, started fresh for the run
 * from deploy/ as docker-compose.yml starts it (Temporal server built from source, its four
 * services as four processes, PostgreSQL), with no workers or gateways of its own: the
 * benchmarks bring their workers, the same on both servers. Each step runs on the dev server,
 * then on the cluster; the benchmarks themselves are unchanged (bench/lifecycle.ts,
 * bench/parked.ts), only their rig's server differs (`runRigsOn`). Prints a side-by-side table and
 * writes bench/results/cluster-latest.json. See docs/benchmarks.md, "On the real cluster".
 *
 *   npm run bench:cluster -- [--lifecycles 300] [--concurrency 32] [--parked 3000]
 *                            [--only interview,batch,parked] [--keep-cluster] [--out <file>]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  SizingSampler,
  startProductionCluster,
  TEMPORAL_SERVICES,
  type ProductionCluster,
  type SizingFigures,
} from '../tools/cluster';
import { runLifecycleBenchmark, LIFECYCLE_DEFAULTS, PROTOCOLS, type LifecycleKind } from './lifecycle';
import { table } from './lib/lifecycle-table';
import { busyMachine, machineInfo, startLoadMeter, type LoadMeterReading } from './lib/machine';
import { pidsWithCommandLine, processTreeCpuMs } from './lib/process-tree';
import { runRigsOn } from './lib/rig';
import { runParkedBenchmark, PARKED_DEFAULTS, type ParkedFigures } from './parked';

const STEP_NAMES = ['interview', 'batch', 'parked'] as const;
type StepName = (typeof STEP_NAMES)[number];
const SERVERS = ['devServer', 'cluster'] as const;
type ServerName = (typeof SERVERS)[number];

interface Options {
  /** Measured lifecycles per kind, ours and the floor each. @default LIFECYCLE_DEFAULTS.lifecycles */
  lifecycles: number;
  /** Lifecycles in flight in the lifecycle benchmark. @default LIFECYCLE_DEFAULTS.concurrency */
  concurrency: number;
  /** Lifecycles parked in the memory benchmark. @default PARKED_DEFAULTS.workflows */
  parked: number;
  /** @default every step */
  only: ReadonlySet<StepName>;
  /** Keep the cluster's work folder (logs, database) after the run. @default false */
  keepCluster: boolean;
  /** @default bench/results/cluster-latest.json */
  out: string;
}

const USAGE = `Usage: npm run bench:cluster -- [options]

  --lifecycles <n>    measured lifecycles per kind, ours and the floor each (default ${LIFECYCLE_DEFAULTS.lifecycles})
  --concurrency <n>   lifecycles in flight in the lifecycle benchmark (default ${LIFECYCLE_DEFAULTS.concurrency})
  --parked <n>        lifecycles parked in one worker (default ${PARKED_DEFAULTS.workflows}; the target is 10000)
  --only <a,b>        steps: ${STEP_NAMES.join(', ')} (default all)
  --keep-cluster      keep the cluster's work folder (logs, PostgreSQL data) after the run
  --out <file>        where the figures go (default bench/results/cluster-latest.json)
  --help              this text
`;

/** Each server's figures: what bench/lifecycle.ts and bench/parked.ts return. */
type ServerFigures = {
  lifecycle?: Awaited<ReturnType<typeof runLifecycleBenchmark>>;
  parked?: ParkedFigures;
};

/** What one step took on one server: wall time, the cluster's CPU, and other work on the machine. */
interface StepLoad extends LoadMeterReading {
  /** CPU time of the cluster's processes (four services, PostgreSQL) during the step, s. */
  clusterCpuSeconds: number;
}

function progress(line: string): void {
  const clock = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[bench:cluster ${clock}] ${line}\n`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options === undefined) {
    process.stdout.write(USAGE);
    return;
  }
  const machine = machineInfo();
  const started = performance.now();
  progress(
    `machine: ${machine.cores} cores, ${machine.memoryGb} GB, Node ${machine.node}, ` +
      `load average ${machine.loadAverage.join(' ')}`,
  );
  if (busyMachine(machine.loadAverage, machine.cores)) {
    progress('note: the load average is high; each step reports how many cores other work kept busy');
  }

  const cluster = await startProductionCluster({
    advanceEnv: {},
    workers: 0,
    gateways: 0,
    keep: options.keepCluster,
    log: (line) => progress(`cluster: ${line}`),
  });
  const figures: Record<ServerName, ServerFigures> = { devServer: {}, cluster: {} };
  const load: Record<string, StepLoad> = {};
  const sampler = new SizingSampler(cluster);
  let sizing: SizingFigures | undefined;
  try {
    const clusterCpuMs = await clusterCpuMeter(cluster);
    sampler.start();
    for (const step of steps(options)) {
      for (const server of SERVERS) {
        useServer(server, cluster);
        progress(`== ${step.title} on the ${server === 'cluster' ? 'cluster' : 'dev server'} ==`);
        const readLoad = startLoadMeter();
        const cpuBefore = await clusterCpuMs();
        await step.run(figures[server]);
        load[`${step.key} ${server}`] = stepLoad(await readLoad(), (await clusterCpuMs()) - cpuBefore);
      }
    }
  } finally {
    useServer('devServer', cluster);
    sizing = await sampler.stop();
    await cluster.stop();
  }

  const measuredUnderLoad = Object.values(load).some((reading) => reading.otherCoresBusy > machine.cores / 4);
  const results = {
    devServer: figures.devServer,
    cluster: {
      ...figures.cluster,
      server: {
        version: cluster.versions.server,
        postgres: cluster.versions.postgres,
        processes: TEMPORAL_SERVICES.length,
        historyShards: cluster.historyShards,
        startSeconds: Math.round(cluster.timings.total / 100) / 10,
      },
      postgresConnections: sizing?.postgres,
      /** `cpuMsPerLifecycle.server` of the cluster's lifecycle figures is its history service alone. */
      serverCpuProcess: 'history',
    },
    machine: {
      ...machine,
      loadAverageAtEnd: machineInfo().loadAverage,
      load,
      measuredUnderLoad,
      durationSeconds: Math.round((performance.now() - started) / 1000),
      options: { ...options, only: [...options.only] },
    },
  };
  await mkdir(path.dirname(options.out), { recursive: true });
  await writeFile(options.out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\n${sideBySide(figures, results.cluster.server, sizing, load)}\n`);
  progress(
    `wrote ${path.relative(process.cwd(), options.out)} in ${results.machine.durationSeconds} s` +
      (measuredUnderLoad ? ' — MEASURED UNDER LOAD (see machine.load)' : ''),
  );
}

interface Step {
  key: keyof ServerFigures;
  title: string;
  /** Runs the benchmark on the server the rigs now use, and puts its figures into `into`. */
  run: (into: ServerFigures) => Promise<void>;
}

function steps(options: Options): Step[] {
  const kinds = (['interview', 'batch'] as const).filter((kind) => options.only.has(kind));
  const list: Step[] = [];
  if (kinds.length > 0) {
    list.push({
      key: 'lifecycle',
      title: `lifecycles vs the floor (${kinds.join(', ')})`,
      run: async (into) => {
        into.lifecycle = await runLifecycleBenchmark({
          lifecycles: options.lifecycles,
          concurrency: options.concurrency,
          kinds: kinds as LifecycleKind[],
          progress,
        });
      },
    });
  }
  if (options.only.has('parked')) {
    list.push({
      key: 'parked',
      title: `${options.parked} lifecycles parked in one worker`,
      run: async (into) => {
        into.parked = await runParkedBenchmark({ workflows: options.parked, progress });
      },
    });
  }
  return list;
}

/** Points the benchmarks' rigs at the cluster (which outlives them), or back at a dev server each. */
function useServer(server: ServerName, cluster: ProductionCluster): void {
  if (server === 'devServer') {
    runRigsOn();
    return;
  }
  const history = cluster.server.services.history.pid;
  if (history === undefined) throw new Error('the cluster has no history service running');
  runRigsOn(async () => ({
    address: cluster.address,
    namespace: cluster.namespace,
    // The benchmark's workers and clients connect as the cluster's workers do.
    clientEnv: cluster.clientEnv('worker'),
    pid: history,
    stop: async () => undefined,
  }));
}

/**
 * The CPU time of the cluster's processes so far: the four services and PostgreSQL (pg_ctl
 * detaches the postmaster, found by its data directory, with its backends below it).
 */
async function clusterCpuMeter(cluster: ProductionCluster): Promise<() => Promise<number>> {
  const postmaster = await pidsWithCommandLine(path.join(cluster.workDir, 'postgresql', 'data'));
  return async () => {
    const services = TEMPORAL_SERVICES.map((s) => cluster.server.services[s].pid).filter(
      (pid): pid is number => pid !== undefined,
    );
    return (await processTreeCpuMs([...services, ...postmaster])) ?? Number.NaN;
  };
}

/**
 * The step's load reading with the cluster's CPU counted as the benchmark's own: the load meter
 * knows only this process's children, and pg_ctl's postmaster is none of them.
 */
function stepLoad(reading: LoadMeterReading | undefined, clusterCpuMs: number): StepLoad {
  const clusterCpuSeconds = Math.round(clusterCpuMs / 10) / 100;
  if (reading === undefined) {
    return {
      wallSeconds: Number.NaN,
      machineCpuSeconds: Number.NaN,
      benchmarkCpuSeconds: Number.NaN,
      otherCpuSeconds: Number.NaN,
      otherCoresBusy: Number.NaN,
      clusterCpuSeconds,
    };
  }
  const benchmarkCpuSeconds = reading.benchmarkCpuSeconds + clusterCpuSeconds;
  const otherCpuSeconds = Math.max(0, reading.machineCpuSeconds - benchmarkCpuSeconds);
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    ...reading,
    benchmarkCpuSeconds: round(benchmarkCpuSeconds),
    otherCpuSeconds: round(otherCpuSeconds),
    otherCoresBusy: round(otherCpuSeconds / reading.wallSeconds),
    clusterCpuSeconds,
  };
}

/** The figures issue 13 asks for, dev server and cluster side by side. */
function sideBySide(
  figures: Record<ServerName, ServerFigures>,
  server: { version: string; postgres: string; historyShards: number },
  sizing: SizingFigures | undefined,
  load: Record<string, StepLoad>,
): string {
  const rows: string[][] = [['', 'dev server', 'cluster']];
  const both = (label: string, cell: (f: ServerFigures) => string | undefined): void => {
    const cells = SERVERS.map((s) => cell(figures[s]) ?? '–');
    if (cells.some((c) => c !== '–')) rows.push([label, ...cells]);
  };
  // Each Advance protocol has its own worker and its own ratio to the floor (bench/lifecycle.ts).
  for (const [protocol, kind] of PROTOCOLS.flatMap((p) =>
    (['interview', 'batch'] as const).map((k) => [p, k] as const),
  )) {
    const of = (f: ServerFigures) => f.lifecycle?.[protocol]?.[kind];
    both(`${protocol} ${kind}: lifecycles/s (floor/s)`, (f) => {
      const k = of(f);
      return k && `${k.lifecyclesPerSecond.toFixed(1)} (${k.floorPerSecond.toFixed(1)})`;
    });
    // Not cpuRatio: on the cluster the server's CPU in it is the history service's alone.
    both(`${protocol} ${kind}: ratio to the floor`, (f) => of(f)?.ratio.toFixed(2));
    both(`${protocol} ${kind}: p50 / p99 ms`, (f) => {
      const k = of(f);
      return k && `${k.p50Ms.toFixed(0)} / ${k.p99Ms.toFixed(0)}`;
    });
    both(`${protocol} ${kind}: floor p50 / p99 ms`, (f) => {
      const k = of(f);
      return k && `${k.floorP50Ms.toFixed(0)} / ${k.floorP99Ms.toFixed(0)}`;
    });
    both(`${protocol} ${kind}: errors (floor)`, (f) => {
      const k = of(f);
      return k && `${k.errors} (${k.floorErrors})`;
    });
  }
  both('parked: lifecycles', (f) => f.parked && String(f.parked.workflows));
  both('parked: worker RSS MiB (peak)', (f) => f.parked && `${f.parked.rssMb} (${f.parked.peakRssMb})`);
  both('parked: worker heap MiB', (f) => f.parked && String(f.parked.heapMb));
  both('parked: park / drain s', (f) => f.parked && `${f.parked.parkSeconds} / ${f.parked.drainSeconds}`);
  both('parked: errors', (f) => f.parked && String(f.parked.errors));
  const notes = [
    `cluster: Temporal server ${server.version} (${TEMPORAL_SERVICES.length} processes, ${server.historyShards} history shards), ` +
      `PostgreSQL ${server.postgres}` +
      (sizing === undefined
        ? ''
        : `, at most ${sizing.postgres.peakConnections} of ${sizing.postgres.maxConnections} PostgreSQL connections`),
    `other work on the machine kept busy (cores, on average): ${Object.entries(load)
      .map(([step, reading]) => `${step} ${reading.otherCoresBusy}`)
      .join(', ')}`,
  ];
  return ['The benchmarks on the dev server and on the production cluster', table(rows), ...notes].join('\n');
}

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      lifecycles: { type: 'string' },
      concurrency: { type: 'string' },
      parked: { type: 'string' },
      only: { type: 'string' },
      'keep-cluster': { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return undefined;
  const positive = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || value < 1)
      throw new UsageError(`--${name} must be a whole number >= 1`);
    return value;
  };
  const only = values.only === undefined ? [...STEP_NAMES] : values.only.split(',').map((s) => s.trim());
  const unknown = only.filter((name) => !(STEP_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new UsageError(`--only: unknown step(s) ${unknown.join(', ')}; steps: ${STEP_NAMES.join(', ')}`);
  }
  return {
    lifecycles: positive('lifecycles', values.lifecycles, LIFECYCLE_DEFAULTS.lifecycles),
    concurrency: positive('concurrency', values.concurrency, LIFECYCLE_DEFAULTS.concurrency),
    parked: positive('parked', values.parked, PARKED_DEFAULTS.workflows),
    only: new Set(only as StepName[]),
    keepCluster: values['keep-cluster'],
    out: path.resolve(values.out ?? path.join(__dirname, 'results', 'cluster-latest.json')),
  };
}

class UsageError extends Error {
  override name = 'UsageError';
}

main().catch((error: unknown) => {
  // A bad option (ours, or one parseArgs does not know): the message and the usage, exit code 2.
  const parseError =
    error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS');
  if (error instanceof UsageError || parseError) {
    process.stderr.write(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  console.error(error);
  process.exitCode = 1;
});
