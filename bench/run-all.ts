/**
 * Runs every benchmark in turn, prints a table per step and writes the figures to
 * `bench/results/latest.json` (`{ lifecycle: { 'v1.1': { interview, batch }, 'v2.0': { ... } },
 * 'person.v1.1', 'person.v2.0', parked, client, machine }`). Progress goes to stderr as it runs. `npm run bench`; see
 * docs/benchmarks.md.
 *
 *   npm run bench -- [--lifecycles 200] [--concurrency 32] [--parked 3000]
 *                    [--protocols v1.1,v2.0] [--baseline <git ref>[,...]] [--tracing] [--cpu-prof <dir>]
 *                    [--only interview,batch,person,parked,client] [--json-only] [--out <file>]
 *
 * To add a benchmark, append a step to `steps()`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatAdvanceClientTable, runAdvanceClientBenchmark } from './advance-client';
import {
  formatLifecycleTable,
  parseList,
  runLifecycleBenchmark,
  LIFECYCLE_DEFAULTS,
  PROTOCOLS,
  type LifecycleKind,
  type Protocol,
} from './lifecycle';
import { busyMachine, machineInfo, startLoadMeter, type LoadMeterReading } from './lib/machine';
import { formatParkedTable, runParkedBenchmark, PARKED_DEFAULTS } from './parked';
import { formatPersonLatencyTable, runPersonLatencyBenchmark } from './person-latencies';

const STEP_NAMES = ['interview', 'batch', 'person', 'parked', 'client'] as const;
type StepName = (typeof STEP_NAMES)[number];

interface Options {
  lifecycles: number;
  concurrency: number;
  parked: number;
  protocols: readonly Protocol[];
  baselines: readonly string[];
  tracing: boolean;
  cpuProfileDir?: string;
  only: ReadonlySet<StepName>;
  jsonOnly: boolean;
  out: string;
}

interface Step {
  /** Where the result goes in latest.json. */
  key: string;
  title: string;
  run: () => Promise<{ result: unknown; table: string }>;
}

const DEFAULT_OUT = path.join(__dirname, 'results', 'latest.json');

function progress(line: string): void {
  const clock = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[bench ${clock}] ${line}\n`);
}

function steps(options: Options): Step[] {
  const list: Step[] = [];
  const kinds = (['interview', 'batch'] as const).filter((kind) => options.only.has(kind));
  if (options.only.has('client')) {
    list.push({
      key: 'client',
      title: 'Advance client vs naive baseline',
      run: async () => {
        const result = await runAdvanceClientBenchmark();
        return { result, table: formatAdvanceClientTable(result) };
      },
    });
  }
  if (kinds.length > 0) {
    list.push({
      key: 'lifecycle',
      title: `Lifecycles through one worker vs the floor (${kinds.join(', ')}; ${options.protocols.join(', ')})`,
      run: async () => {
        const result = await runLifecycleBenchmark({
          lifecycles: options.lifecycles,
          concurrency: options.concurrency,
          kinds: kinds as LifecycleKind[],
          protocols: options.protocols,
          baselines: options.baselines,
          tracing: options.tracing,
          cpuProfileDir: options.cpuProfileDir,
          progress,
        });
        return { result, table: formatLifecycleTable(result) };
      },
    });
  }
  if (options.only.has('person')) {
    for (const protocol of options.protocols) {
      list.push({
        key: `person.${protocol}`,
        title: `What a person waits for through the gateway (${protocol})`,
        run: async () => {
          const result = await runPersonLatencyBenchmark({
            concurrent: options.concurrency,
            concurrency: options.concurrency,
            protocol,
            baselines: options.baselines,
            progress,
          });
          return { result, table: formatPersonLatencyTable(result) };
        },
      });
    }
  }
  if (options.only.has('parked')) {
    list.push({
      key: 'parked',
      title: `${options.parked} lifecycles parked in one worker, then drained`,
      run: async () => {
        const result = await runParkedBenchmark({ workflows: options.parked, progress });
        return { result, table: formatParkedTable(result) };
      },
    });
  }
  return list;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      lifecycles: { type: 'string' },
      concurrency: { type: 'string' },
      parked: { type: 'string' },
      protocols: { type: 'string' },
      baseline: { type: 'string' },
      tracing: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      only: { type: 'string' },
      'json-only': { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const positive = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number >= 1`);
    return value;
  };
  const only = values.only === undefined ? [...STEP_NAMES] : values.only.split(',').map((s) => s.trim());
  const unknown = only.filter((name) => !(STEP_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new Error(`--only: unknown step(s) ${unknown.join(', ')}; steps: ${STEP_NAMES.join(', ')}`);
  return {
    lifecycles: positive('lifecycles', values.lifecycles, LIFECYCLE_DEFAULTS.lifecycles),
    concurrency: positive('concurrency', values.concurrency, LIFECYCLE_DEFAULTS.concurrency),
    parked: positive('parked', values.parked, PARKED_DEFAULTS.workflows),
    protocols: parseList(values.protocols, PROTOCOLS, '--protocols') ?? PROTOCOLS,
    baselines: values.baseline?.split(',').map((ref) => ref.trim()) ?? [],
    tracing: values.tracing === true,
    cpuProfileDir: values['cpu-prof'] === undefined ? undefined : path.resolve(values['cpu-prof']),
    only: new Set(only as StepName[]),
    jsonOnly: values['json-only'] === true,
    out: path.resolve(values.out ?? DEFAULT_OUT),
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const machine = machineInfo();
  const readLoad = startLoadMeter();
  const started = performance.now();
  progress(
    `machine: ${machine.cores} cores, ${machine.memoryGb} GB, Node ${machine.node}, ` +
      `${machine.temporalCli ?? 'temporal CLI ?'}, SDK ${machine.temporalSdk ?? '?'}, ` +
      `load average ${machine.loadAverage.join(' ')}`,
  );
  if (busyMachine(machine.loadAverage, machine.cores)) {
    progress('note: the load average is high; each step reports how many cores other work kept busy');
  }

  const results: Record<string, unknown> = {};
  const stepLoad: Record<string, LoadMeterReading | undefined> = {};
  for (const step of steps(options)) {
    progress(`== ${step.title} ==`);
    const readStepLoad = startLoadMeter();
    const { result, table } = await step.run();
    results[step.key] = result;
    const reading = await readStepLoad();
    stepLoad[step.key] = reading;
    progress(
      `${step.title}: done in ${reading?.wallSeconds.toFixed(0) ?? '?'} s` +
        (reading === undefined ? '' : `; other work kept ${reading.otherCoresBusy} cores busy meanwhile`),
    );
    if (!options.jsonOnly) process.stdout.write(`\n${table}\n`);
  }

  const load = await readLoad();
  const otherCoresBusy = load?.otherCoresBusy;
  // Other work kept more than a quarter of the cores busy during a step: its figures are lower
  // than a quiet machine would give. (The load average before the run is reported but not used:
  // it still holds the minute before, which may be nothing but a finished build.)
  const loaded = Object.values(stepLoad).some(
    (reading) => reading !== undefined && reading.otherCoresBusy > machine.cores / 4,
  );
  results['machine'] = {
    ...machine,
    loadAverageAtEnd: machineInfo().loadAverage,
    ...(load === undefined ? {} : { load: { ...load, steps: stepLoad } }),
    measuredUnderLoad: loaded,
    durationSeconds: Math.round((performance.now() - started) / 1000),
    options: {
      lifecycles: options.lifecycles,
      concurrency: options.concurrency,
      parked: options.parked,
      protocols: options.protocols,
      baselines: options.baselines,
      tracing: options.tracing,
      only: [...options.only],
    },
  };

  await mkdir(path.dirname(options.out), { recursive: true });
  await writeFile(options.out, `${JSON.stringify(results, null, 2)}\n`);
  if (options.jsonOnly) process.stdout.write(`${JSON.stringify(results)}\n`);
  const underLoad = (results['machine'] as { measuredUnderLoad: boolean }).measuredUnderLoad;
  progress(
    `wrote ${path.relative(process.cwd(), options.out)} in ${(results['machine'] as { durationSeconds: number }).durationSeconds} s` +
      (underLoad
        ? ` — MEASURED UNDER LOAD (other work kept ${otherCoresBusy ?? '?'} cores busy on average)`
        : ''),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
