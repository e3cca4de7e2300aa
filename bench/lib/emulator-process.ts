import path from 'node:path';
import { askChild, startChild, typeScriptProcess } from '../../tools/process/child-process';
import type { ChildMessage, EmulatorStats, ParentMessage } from './emulator-protocol';
import { readyOnMessage } from './child-ipc';

export type { EmulatorStats } from './emulator-protocol';

export interface EmulatorProcess {
  url: string;
  cloud: { baseUrl: string; authUrl: string };
  /** The cloud-shaped URLs per API version, for `advanceEnvForEmulator(emulator, 'v2.0')`. */
  apis: Record<'v1.1' | 'v2.0', { cloud: { baseUrl: string; authUrl: string } }>;
  credentials: { clientName: string; principalName: string; principalPassword: string };
  /** The emulator's counters right now; subtract two readings to get a phase's share. */
  stats(): Promise<EmulatorStats>;
  close(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 30_000;

/** Starts the emulator in a child process (TypeScript via tsx) and waits until it listens. */
export async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const { handle, readyMessage: ready } = await startChild<ChildMessage>({
    name: 'emulator',
    // Explicit arguments, so the child does not inherit flags such as --cpu-prof from the parent.
    ...typeScriptProcess(path.join(__dirname, 'emulator-child.ts')),
    ipc: true,
    // stdout ignored: the benchmark's stdout carries exactly one JSON object.
    stdout: 'ignore',
    stderr: 'inherit',
    ready: readyOnMessage('ready'),
    readyTimeoutMs: STARTUP_TIMEOUT_MS,
  });
  if (ready?.type !== 'ready') throw new Error('the emulator process did not say where it listens');
  const { child } = handle;
  let nextId = 1;
  return {
    url: ready.url,
    cloud: ready.cloud,
    apis: ready.apis,
    credentials: ready.credentials,
    stats: () => {
      const id = nextId++;
      const request: ParentMessage = { type: 'stats', id };
      return askChild(child, request, (message) => {
        const m = message as ChildMessage;
        if (m.type !== 'stats' || m.id !== id) return undefined;
        const { logins, connections, cpuMs, requests } = m;
        return { logins, connections, cpuMs, requests };
      });
    },
    close: async () => {
      const close: ParentMessage = { type: 'close' };
      if (handle.isRunning() && child.connected) child.send(close);
      await handle.exited;
    },
  };
}
