import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Env } from '../../src/config';
import { testServerLocation } from './temporal';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'hotdocs-temporal.js');

export interface ReplayCheckRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `hotdocs-temporal replay-check` as a user runs it (the bin script in its own process)
 * against the run's Temporal dev server, or the server `env` names (TEMPORAL_ADDRESS); resolves
 * with its exit code and output.
 */
export function runReplayCheck(args: readonly string[], env: Env = {}): Promise<ReplayCheckRun> {
  const server = env['TEMPORAL_ADDRESS'] === undefined ? devServerEnv() : {};
  const child = spawn(process.execPath, [BIN, 'replay-check', ...args], {
    env: {
      PATH: process.env['PATH'],
      ...server,
      // Keep a developer's own Temporal profile (TLS, API key) out of the test.
      TEMPORAL_CONFIG_FILE: path.join(__dirname, 'no-such-temporal.toml'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function devServerEnv(): Env {
  const { address, namespace } = testServerLocation();
  return { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace };
}
