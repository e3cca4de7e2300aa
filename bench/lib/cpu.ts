import { processCpuMs, threadCpuMs } from './proc';
import type { Rig, RigWorker } from './rig';

/** CPU time used by each process of the rig, ms; the worker's also by kind of thread. */
export interface CpuUse {
  worker: number;
  server: number;
  emulator: number;
  driver: number;
  /** The worker's main thread (activities, the SDK's JavaScript side). */
  workerMain: number;
  /** The worker's workflow thread. */
  workerWorkflows: number;
  /** The SDK's Rust core threads in the worker. */
  workerCore: number;
  /** V8's helper threads (garbage collection, compilation) and libuv's pool in the worker. */
  workerHelpers: number;
}

export function emptyCpu(): CpuUse {
  return {
    worker: 0,
    server: 0,
    emulator: 0,
    driver: 0,
    workerMain: 0,
    workerWorkflows: 0,
    workerCore: 0,
    workerHelpers: 0,
  };
}

/** The CPU time each process has used so far; `worker` is the one worker of the side measured. */
export async function cpuSnapshot(rig: Rig, worker: RigWorker): Promise<CpuUse> {
  const driver = process.cpuUsage();
  const threads = await threadCpuMs(worker.pid);
  return {
    workerMain: threads?.main ?? Number.NaN,
    workerWorkflows: threads?.workflows ?? Number.NaN,
    workerCore: threads?.core ?? Number.NaN,
    workerHelpers: threads?.helpers ?? Number.NaN,
    worker: (await worker.cpuMs()) ?? Number.NaN,
    server: (await processCpuMs(rig.devServer.pid)) ?? Number.NaN,
    emulator: (await rig.emulator.stats()).cpuMs,
    driver: (driver.user + driver.system) / 1000,
  };
}

export function addCpu(total: CpuUse, before: CpuUse, after: CpuUse): void {
  for (const key of Object.keys(total) as Array<keyof CpuUse>) total[key] += after[key] - before[key];
}

export function perLifecycle(cpu: CpuUse, lifecycles: number): CpuUse {
  const each = (ms: number) => round(ms / Math.max(1, lifecycles), 2);
  return Object.fromEntries(Object.entries(cpu).map(([key, ms]) => [key, each(ms)])) as unknown as CpuUse;
}

export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
