import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { processCpuMs, processMemory } from './proc';
import type { WorkerChildMessage, WorkerKind, WorkerMemory, WorkerParentMessage } from './worker-protocol';

export type { WorkerKind, WorkerMemory } from './worker-protocol';

export interface WorkerProcess {
  kind: WorkerKind;
  pid: number;
  /** The worker's workflow cache size (its default unless configured). */
  maxCachedWorkflows: number;
  /** Called with every session a `beginSession` activity began (workflow id, version id). */
  onBegun(listener: (workflowId: string, versionId: string) => void): void;
  /** `process.memoryUsage()` inside the worker. */
  memory(): Promise<WorkerMemory>;
  /** VmRSS and VmHWM (peak) of the worker process from /proc, in bytes; undefined off Linux. */
  procMemory(): Promise<{ rss: number; peakRss: number } | undefined>;
  /** CPU time the worker process has used so far, ms, from /proc; undefined off Linux. */
  cpuMs(): Promise<number | undefined>;
  /** Stops polling, lets running activities finish, waits for the process to exit. */
  close(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 120_000;

/** Starts `worker-child.ts` (TypeScript via tsx) and waits until its worker runs. */
export async function startWorkerProcess(
  kind: WorkerKind,
  env: Record<string, string>,
): Promise<WorkerProcess> {
  const child = fork(path.join(__dirname, 'worker-child.ts'), [], {
    // Explicit, so the child does not inherit flags such as --inspect or --cpu-prof from the parent.
    execArgv: ['--require', require.resolve('tsx/cjs')],
    env: { PATH: process.env['PATH'] ?? '', ...env, BENCH_WORKER_KIND: kind },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const listeners: Array<(workflowId: string, versionId: string) => void> = [];
  child.on('message', (message: WorkerChildMessage) => {
    if (message.type !== 'begun') return;
    for (const listener of listeners) listener(message.workflowId, message.versionId);
  });
  const { maxCachedWorkflows } = await waitForReady(child);
  const pid = child.pid;
  if (pid === undefined) throw new Error('the worker process has no pid');

  let nextId = 1;
  return {
    kind,
    pid,
    maxCachedWorkflows,
    onBegun: (listener) => listeners.push(listener),
    memory: () =>
      new Promise<WorkerMemory>((resolve, reject) => {
        const id = nextId++;
        const onMessage = (message: WorkerChildMessage): void => {
          if (message.type !== 'memory' || message.id !== id) return;
          child.off('message', onMessage);
          child.off('exit', onExit);
          const { rss, heapUsed, heapTotal, external, arrayBuffers } = message;
          resolve({ rss, heapUsed, heapTotal, external, arrayBuffers });
        };
        const onExit = (): void => {
          child.off('message', onMessage);
          reject(new Error('the worker process exited while asked for its memory'));
        };
        child.on('message', onMessage);
        child.once('exit', onExit);
        sendTo(child, { type: 'memory', id });
      }),
    procMemory: () => processMemory(pid),
    cpuMs: () => processCpuMs(pid),
    close: async () => {
      if (child.exitCode === null && child.connected) sendTo(child, { type: 'close' });
      await exited;
    },
  };
}

function sendTo(child: ChildProcess, message: WorkerParentMessage): void {
  child.send(message);
}

function waitForReady(child: ChildProcess): Promise<Extract<WorkerChildMessage, { type: 'ready' }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the worker process did not start within ${STARTUP_TIMEOUT_MS} ms`));
    }, STARTUP_TIMEOUT_MS);
    const settle = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: WorkerChildMessage): void => {
      if (message.type === 'ready') {
        settle();
        resolve(message);
      } else if (message.type === 'failed') {
        settle();
        reject(new Error(`the worker process failed to start: ${message.message}`));
      }
    };
    const onExit = (code: number | null): void => {
      settle();
      reject(new Error(`the worker process exited (code ${String(code)}) before it was ready`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
