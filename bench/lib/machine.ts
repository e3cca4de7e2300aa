import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { resolveTemporalCli } from '../../tools/temporal';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  /** `temporal --version` of the CLI whose dev server the lifecycle benchmarks start. */
  temporalCli?: string;
  /** The Temporal TypeScript SDK the worker runs. */
  temporalSdk?: string;
  /** 1, 5 and 15 minute load averages when this was read. */
  loadAverage: number[];
}

/** What the figures were measured on: they mean little without it. */
export function machineInfo(): MachineInfo {
  return {
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    temporalCli: temporalCliVersion(),
    temporalSdk: packageVersion('@temporalio/worker'),
    loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100),
  };
}

/**
 * Whether other work was loading the machine: a 1-minute load average above half the cores
 * before a benchmark starts means its figures share the CPU with something else.
 */
export function busyMachine(loadAverage: readonly number[], cores = os.availableParallelism()): boolean {
  return (loadAverage[0] ?? 0) > cores / 2;
}

function temporalCliVersion(): string | undefined {
  try {
    const cli = resolveTemporalCli();
    if (cli.source === 'download') return undefined;
    return execFileSync(cli.path, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    return undefined;
  }
}

function packageVersion(name: string): string | undefined {
  try {
    const file = require.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

export interface LoadMeterReading {
  wallSeconds: number;
  /** CPU time the whole machine used (/proc/stat), s. */
  machineCpuSeconds: number;
  /** CPU time the benchmark's own processes used (this one and every child it started), s. */
  benchmarkCpuSeconds: number;
  /** CPU time everything else on the machine used meanwhile, s. */
  otherCpuSeconds: number;
  /** otherCpuSeconds / wallSeconds: how many cores other work kept busy on average. */
  otherCoresBusy: number;
}

/**
 * Measures how much of the machine other work used while the benchmark ran: the CPU time of the
 * whole machine (/proc/stat) minus that of this process and its reaped children
 * (/proc/self/stat, `cutime` + `cstime`). Read it after every child process has exited.
 * Undefined readings off Linux.
 */
export function startLoadMeter(): () => Promise<LoadMeterReading | undefined> {
  const started = performance.now();
  const machineBefore = machineBusyTicks();
  const ownBefore = ownTreeTicks();
  return async () => {
    const machineAfter = machineBusyTicks();
    const ownAfter = ownTreeTicks();
    if (machineBefore === undefined || machineAfter === undefined) return undefined;
    if (ownBefore === undefined || ownAfter === undefined) return undefined;
    const wallSeconds = (performance.now() - started) / 1000;
    const benchmarkCpuSeconds = (ownAfter - ownBefore) / CLOCK_TICKS_PER_SECOND;
    const machineCpuSeconds = (machineAfter - machineBefore) / CLOCK_TICKS_PER_SECOND;
    // Per-process and machine-wide counters are kept differently (and a VM's stolen time is
    // counted on one side only), so the difference can dip below zero when nothing else ran.
    const otherCpuSeconds = Math.max(0, machineCpuSeconds - benchmarkCpuSeconds);
    const round = (value: number) => Math.round(value * 100) / 100;
    return {
      wallSeconds: round(wallSeconds),
      machineCpuSeconds: round(machineCpuSeconds),
      benchmarkCpuSeconds: round(benchmarkCpuSeconds),
      otherCpuSeconds: round(otherCpuSeconds),
      otherCoresBusy: round(otherCpuSeconds / wallSeconds),
    };
  };
}

const CLOCK_TICKS_PER_SECOND = 100;

function machineBusyTicks(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [, ...fields] = line.trim().split(/\s+/);
    const ticks = fields.slice(0, 8).map(Number); // user nice system idle iowait irq softirq steal
    if (ticks.length < 8 || ticks.some((t) => !Number.isFinite(t))) return undefined;
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
    return user + nice + system + irq + softirq + steal;
  } catch {
    return undefined;
  }
}

function ownTreeTicks(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime stime cutime cstime are fields 14-17, i.e. 11-14 after the command name.
    const ticks = fields.slice(11, 15).map(Number);
    return ticks.some((t) => !Number.isFinite(t)) ? undefined : ticks.reduce((a, b) => a + b, 0);
  } catch {
    return undefined;
  }
}
