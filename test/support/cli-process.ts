import { spawn } from 'node:child_process';
import path from 'node:path';
import { testServerLocation } from './temporal';

const BIN = path.join(__dirname, '..', '..', 'bin', 'hotdocs-temporal.js');

export interface CliRun {
  args: string[];
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** TEMPORAL_TASK_QUEUE of the run. */
  taskQueue: string;
  /** A folder of the test's: the developer's own Temporal profile (TLS, API key) stays out of the test. */
  scratch: string;
  stdin?: string;
}

/**
 * Runs `hotdocs-temporal` as a user does: the real bin script in a child process, configured only
 * by the environment, against the run's Temporal dev server. Resolves with its exit code and
 * output; never rejects on a non-zero exit.
 */
export function runCli(args: string[], { taskQueue, scratch, stdin }: CliOptions): Promise<CliRun> {
  const { address, namespace } = testServerLocation();
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {
      PATH: process.env['PATH'],
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      TEMPORAL_CONFIG_FILE: path.join(scratch, 'no-such-temporal.toml'),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.end(stdin ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ args, code, stdout, stderr }));
  });
}
