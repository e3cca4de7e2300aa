import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Env } from '../../src/config';
import { testServerLocation } from '../helpers/temporal';

const ROOT = path.resolve(__dirname, '..', '..');

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs `src/worker.ts` as its own process, configured only through the environment, exactly as
 * `npm start` would, so that it can be SIGKILLed like a crashed pod.
 */
export async function spawnWorker(workerEnv: Env, { readyTimeoutMs = 60_000 } = {}): Promise<WorkerProcess> {
  const { address, namespace } = testServerLocation();
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'src', 'worker.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'],
      // Port 0: several worker processes may run at once; each logs the address it got.
      WORKER_HTTP_PORT: '0',
      ...workerEnv,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${output}`)), readyTimeoutMs);
    const check = () => {
      if (output.includes('"worker started"')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code}:\n${output}`));
    });
  });
  return {
    child,
    output: () => output,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
