import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { ChildMessage, EmulatorStats, ParentMessage } from './emulator-protocol';

export type { EmulatorStats } from './emulator-protocol';

export interface EmulatorProcess {
  url: string;
  cloud: { baseUrl: string; authUrl: string };
  credentials: { clientName: string; principalName: string; principalPassword: string };
  /** The emulator's counters right now; subtract two readings to get a phase's share. */
  stats(): Promise<EmulatorStats>;
  close(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 30_000;

/** Starts the emulator in a child process (TypeScript via tsx) and waits until it listens. */
export async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const child = fork(path.join(__dirname, 'emulator-child.ts'), [], {
    // Explicit, so the child does not inherit flags such as --inspect or --cpu-prof from the parent.
    execArgv: ['--require', require.resolve('tsx/cjs')],
    // stdout ignored: the benchmark's stdout carries exactly one JSON object.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ready = await waitForReady(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let nextId = 1;
  return {
    url: ready.url,
    cloud: ready.cloud,
    credentials: ready.credentials,
    stats: () =>
      new Promise<EmulatorStats>((resolve, reject) => {
        const id = nextId++;
        const onMessage = (message: ChildMessage): void => {
          if (message.type !== 'stats' || message.id !== id) return;
          child.off('message', onMessage);
          child.off('exit', onExit);
          const { logins, connections, cpuMs, requests } = message;
          resolve({ logins, connections, cpuMs, requests });
        };
        const onExit = (): void => {
          child.off('message', onMessage);
          reject(new Error('the emulator process exited while asked for its counters'));
        };
        child.on('message', onMessage);
        child.once('exit', onExit);
        sendTo(child, { type: 'stats', id });
      }),
    close: async () => {
      if (child.exitCode === null && child.connected) sendTo(child, { type: 'close' });
      await exited;
    },
  };
}

function sendTo(child: ChildProcess, message: ParentMessage): void {
  child.send(message);
}

function waitForReady(child: ChildProcess): Promise<Extract<ChildMessage, { type: 'ready' }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the emulator process did not start within ${STARTUP_TIMEOUT_MS} ms`));
    }, STARTUP_TIMEOUT_MS);
    const settle = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: ChildMessage): void => {
      if (message.type === 'ready') {
        settle();
        resolve(message);
      } else if (message.type === 'failed') {
        settle();
        reject(new Error(`the emulator process failed to start: ${message.message}`));
      }
    };
    const onExit = (code: number | null): void => {
      settle();
      reject(new Error(`the emulator process exited (code ${String(code)}) before it was ready`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
