import path from 'node:path';
import { askChild, startChild, typeScriptProcess } from '../../tools/process/child-process';
import { processCpuMs, processMemory } from './proc';
import type { WorkerChildMessage, WorkerKind, WorkerMemory, WorkerParentMessage } from './worker-protocol';
import { readyOnMessage } from './child-ipc';

export type { WorkerKind, WorkerMemory } from './worker-protocol';

export interface WorkerProcess {
  kind: WorkerKind;
  pid: number;
  /** The worker's workflow cache size (its default unless configured). */
  maxCachedWorkflows: number;
  /**
   * Called whenever a `beginSession` attempt starts, before its request to Advance (workflow id;
   * `local` for a local activity's attempt).
   */
  onBeginning(listener: (workflowId: string, local: boolean) => void): void;
  /** Called with every session a `beginSession` activity began (workflow id, version id). */
  onBegun(listener: (workflowId: string, versionId: string) => void): void;
  /** Called whenever a `storeDocuments` activity returned (workflow id). */
  onStored(listener: (workflowId: string) => void): void;
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

export interface WorkerProcessOptions {
  /** Names the process in errors. @default the kind */
  name?: string;
  /**
   * Profile the worker's CPU (`node --cpu-prof`): one `.cpuprofile` per thread (the main thread
   * with the activities and the SDK's bridge, the workflow thread) is written to
   * `<cpuProfileDir>/<name>/` when the worker exits. @default no profile
   */
  cpuProfileDir?: string;
}

/** Starts `worker-child.ts` (TypeScript via tsx) and waits until its worker runs. */
export async function startWorkerProcess(
  kind: WorkerKind,
  env: Record<string, string>,
  options: WorkerProcessOptions = {},
): Promise<WorkerProcess> {
  // Explicit arguments, so the child does not inherit flags such as --cpu-prof from the parent.
  const { command, args } = typeScriptProcess(path.join(__dirname, 'worker-child.ts'));
  const profile =
    options.cpuProfileDir === undefined
      ? []
      : ['--cpu-prof', `--cpu-prof-dir=${path.join(options.cpuProfileDir, options.name ?? kind)}`];
  const { handle, readyMessage } = await startChild<WorkerChildMessage>({
    name: `${options.name ?? kind} worker`,
    command,
    args: [...profile, ...args],
    env: { PATH: process.env['PATH'] ?? '', ...env, BENCH_WORKER_KIND: kind },
    ipc: true,
    stdout: 'ignore',
    stderr: 'inherit',
    ready: readyOnMessage('ready'),
    readyTimeoutMs: STARTUP_TIMEOUT_MS,
  });
  const { child } = handle;
  const pid = handle.pid;
  if (pid === undefined || readyMessage?.type !== 'ready') throw new Error('the worker process has no pid');
  const listeners: Array<(workflowId: string, versionId: string) => void> = [];
  const storedListeners: Array<(workflowId: string) => void> = [];
  const beginningListeners: Array<(workflowId: string, local: boolean) => void> = [];
  child.on('message', (message: WorkerChildMessage) => {
    if (message.type === 'beginning') {
      for (const listener of beginningListeners) listener(message.workflowId, message.local);
    } else if (message.type === 'begun') {
      for (const listener of listeners) listener(message.workflowId, message.versionId);
    } else if (message.type === 'stored') {
      for (const listener of storedListeners) listener(message.workflowId);
    }
  });

  let nextId = 1;
  return {
    kind,
    pid,
    maxCachedWorkflows: readyMessage.maxCachedWorkflows,
    onBeginning: (listener) => beginningListeners.push(listener),
    onBegun: (listener) => listeners.push(listener),
    onStored: (listener) => storedListeners.push(listener),
    memory: () => {
      const id = nextId++;
      const request: WorkerParentMessage = { type: 'memory', id };
      return askChild(child, request, (message) => {
        const m = message as WorkerChildMessage;
        if (m.type !== 'memory' || m.id !== id) return undefined;
        const { rss, heapUsed, heapTotal, external, arrayBuffers } = m;
        return { rss, heapUsed, heapTotal, external, arrayBuffers };
      });
    },
    procMemory: () => processMemory(pid),
    cpuMs: () => processCpuMs(pid),
    close: async () => {
      const close: WorkerParentMessage = { type: 'close' };
      if (handle.isRunning() && child.connected) child.send(close);
      await handle.exited;
    },
  };
}
