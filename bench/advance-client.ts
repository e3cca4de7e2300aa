/**
 * How much the `AdvanceClient` (one keep-alive pool, one cached token) gains over a naive caller
 * that opens a new connection and logs in for every request. Both read the same pre-created work
 * item from the emulator, which runs in a separate process so client and server do not share an
 * event loop. Prints a table to stderr and one JSON object to stdout.
 *
 *   npx tsx bench/advance-client.ts [--requests 10000] [--concurrency 16] [--baseline-requests 3000]
 *                                   [--warmup 500] [--json-only]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { AdvanceClient } from '../src/advance';
import { startEmulatorProcess, type EmulatorProcess, type EmulatorStats } from './lib/emulator-process';
import { percentile, runLoad, type LoadResult } from './lib/load';
import { machineInfo, type MachineInfo } from './lib/machine';
import { naiveGetWorkItem, type NaiveAdvanceTarget } from './lib/naive-advance';

export interface AdvanceClientBenchmarkOptions {
  /** Measured requests through the client. */
  requests?: number;
  /** Requests in flight at once, for both the client and the baseline. */
  concurrency?: number;
  /** Measured requests through the baseline (it is far slower, so it gets fewer). */
  baselineRequests?: number;
  /** Unmeasured requests, per side, that warm the JIT and the emulator first. */
  warmupRequests?: number;
}

export interface PhaseFigures {
  requests: number;
  concurrency: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Logins the emulator counted during the measured requests. */
  logins: number;
  /** TCP connections the emulator accepted during the measured requests. */
  connectionsOpened: number;
  /** CPU time this (the calling) process spent per request: the caller's own overhead. */
  callerCpuMsPerRequest: number;
  /** CPU time the emulator process spent per request: the server's share. */
  emulatorCpuMsPerRequest: number;
  /** Requests that failed; any figure beside a non-zero count is suspect. */
  errors: number;
}

export interface AdvanceClientBenchmarkResult {
  workload: string;
  client: PhaseFigures;
  baseline: PhaseFigures;
  /** client.requestsPerSecond / baseline.requestsPerSecond */
  ratio: number;
  machine: MachineInfo;
}

// Sized for a 2-core machine: each side runs for one to two seconds. Fewer client requests
// (3000 took under half a second) gave figures that moved by half from one run to the next.
export const ADVANCE_CLIENT_DEFAULTS: Required<AdvanceClientBenchmarkOptions> = {
  requests: 10_000,
  // Matches the client's default pool of 16 connections per origin.
  concurrency: 16,
  baselineRequests: 3000,
  warmupRequests: 500,
};

const WORKLOAD = 'GET WorkItems/{id}';

export async function runAdvanceClientBenchmark(
  options: AdvanceClientBenchmarkOptions = {},
): Promise<AdvanceClientBenchmarkResult> {
  const settings = { ...ADVANCE_CLIENT_DEFAULTS, ...options };
  for (const [name, value] of Object.entries(settings)) {
    const least = name === 'warmupRequests' ? 0 : 1;
    if (!Number.isInteger(value) || value < least) throw new Error(`${name} must be an integer >= ${least}`);
  }

  const emulator = await startEmulatorProcess();
  try {
    const target: NaiveAdvanceTarget = { ...emulator.cloud, ...emulator.credentials };
    const workItemId = await createWorkItem(target);
    const readWithClient = (client: AdvanceClient) => () => client.getWorkItem(workItemId);
    const readNaively = () => naiveGetWorkItem(target, workItemId);

    // Warm-up on a client of its own, so the measured client starts cold: its one login and
    // its connection set-up are part of what is measured, as they are for a new worker.
    const warmupClient = new AdvanceClient(target);
    try {
      await runLoad(settings.warmupRequests, settings.concurrency, readWithClient(warmupClient));
    } finally {
      await warmupClient.close();
    }
    await runLoad(Math.ceil(settings.warmupRequests / 3), settings.concurrency, readNaively);

    const client = new AdvanceClient(target);
    let clientFigures: PhaseFigures;
    try {
      clientFigures = await measure(emulator, () =>
        runLoad(settings.requests, settings.concurrency, readWithClient(client)),
      );
    } finally {
      await client.close();
    }
    const baselineFigures = await measure(emulator, () =>
      runLoad(settings.baselineRequests, settings.concurrency, readNaively),
    );

    return {
      workload: WORKLOAD,
      client: clientFigures,
      baseline: baselineFigures,
      ratio: round(clientFigures.requestsPerSecond / baselineFigures.requestsPerSecond, 2),
      machine: machineInfo(),
    };
  } finally {
    await emulator.close();
  }
}

async function createWorkItem(target: NaiveAdvanceTarget): Promise<string> {
  const client = new AdvanceClient(target);
  try {
    const id = randomUUID();
    await client.createWorkItem({
      id,
      workGroupId: randomUUID(),
      templatePackageId: randomUUID(),
      name: 'Benchmark engagement letter',
      description: 'Read over and over by bench/advance-client.ts',
    });
    return id;
  } finally {
    await client.close();
  }
}

async function measure(emulator: EmulatorProcess, run: () => Promise<LoadResult>): Promise<PhaseFigures> {
  const before = await emulator.stats();
  const callerCpuBefore = process.cpuUsage();
  const load = await run();
  const callerCpu = process.cpuUsage(callerCpuBefore);
  const after = await emulator.stats();
  if (load.errors > 0) {
    console.error(`warning: ${load.errors} of ${load.requests} requests failed; first:`, load.firstError);
  }
  return figures(load, before, after, (callerCpu.user + callerCpu.system) / 1000);
}

function figures(
  load: LoadResult,
  before: EmulatorStats,
  after: EmulatorStats,
  callerCpuMs: number,
): PhaseFigures {
  return {
    requests: load.requests,
    concurrency: load.concurrency,
    requestsPerSecond: round(load.requests / (load.elapsedMs / 1000), 1),
    p50Ms: round(percentile(load.durationsMs, 50), 2),
    p99Ms: round(percentile(load.durationsMs, 99), 2),
    logins: after.logins - before.logins,
    connectionsOpened: after.connections - before.connections,
    callerCpuMsPerRequest: round(callerCpuMs / load.requests, 3),
    emulatorCpuMsPerRequest: round((after.cpuMs - before.cpuMs) / load.requests, 3),
    errors: load.errors,
  };
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** A small human-readable table of one result. */
export function formatAdvanceClientTable(result: AdvanceClientBenchmarkResult): string {
  const { machine } = result;
  const header = [
    '',
    'requests',
    'req/s',
    'p50 ms',
    'p99 ms',
    'logins',
    'connections',
    'caller cpu ms/req',
    'emulator cpu ms/req',
    'errors',
  ];
  const row = (name: string, f: PhaseFigures): string[] => [
    name,
    String(f.requests),
    f.requestsPerSecond.toFixed(1),
    f.p50Ms.toFixed(2),
    f.p99Ms.toFixed(2),
    String(f.logins),
    String(f.connectionsOpened),
    f.callerCpuMsPerRequest.toFixed(3),
    f.emulatorCpuMsPerRequest.toFixed(3),
    String(f.errors),
  ];
  const rows = [header, row('client', result.client), row('baseline', result.baseline)];
  const widths = header.map((_, column) => Math.max(...rows.map((cells) => (cells[column] ?? '').length)));
  const lines = rows.map((cells) =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  '),
  );
  return [
    `Advance client vs naive baseline (new connection + login per request): ${result.workload}, ` +
      `concurrency ${result.client.concurrency}`,
    `machine: ${machine.cores} cores, ${machine.memoryGb} GB, Node ${machine.node}`,
    ...lines,
    `ratio (client req/s / baseline req/s): ${result.ratio.toFixed(2)}x`,
  ].join('\n');
}

function optionsFromArgv(argv: string[]): { options: AdvanceClientBenchmarkOptions; jsonOnly: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      requests: { type: 'string' },
      concurrency: { type: 'string' },
      'baseline-requests': { type: 'string' },
      warmup: { type: 'string' },
      'json-only': { type: 'boolean', default: false },
    },
  });
  const int = (text: string | undefined): number | undefined =>
    text === undefined ? undefined : Number(text);
  const options: AdvanceClientBenchmarkOptions = {};
  const requests = int(values.requests);
  const concurrency = int(values.concurrency);
  const baselineRequests = int(values['baseline-requests']);
  const warmupRequests = int(values.warmup);
  if (requests !== undefined) options.requests = requests;
  if (concurrency !== undefined) options.concurrency = concurrency;
  if (baselineRequests !== undefined) options.baselineRequests = baselineRequests;
  if (warmupRequests !== undefined) options.warmupRequests = warmupRequests;
  return { options, jsonOnly: values['json-only'] === true };
}

async function main(): Promise<void> {
  const { options, jsonOnly } = optionsFromArgv(process.argv.slice(2));
  const result = await runAdvanceClientBenchmark(options);
  if (!jsonOnly) console.error(formatAdvanceClientTable(result));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
