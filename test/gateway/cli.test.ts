import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { testServerLocation } from '../helpers/temporal';
import { call, gatewayEnv, KEYS } from './gateway-harness';

/** `hotdocs-temporal gateway` as an operator runs it: configured by the environment, stopped by a signal. */

const BIN = path.join(__dirname, '..', '..', 'bin', 'hotdocs-temporal.js');

interface Run {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

function run(env: Record<string, string | undefined>): Run {
  const child = spawn(process.execPath, [BIN, 'gateway'], {
    env: { PATH: process.env['PATH'], ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout, stderr, exited };
}

/** Resolves with the first stdout line matching `pattern`, or rejects when the process exits first. */
function lineMatching(r: Run, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(r.stdout.join(''));
      if (match !== null) {
        r.child.stdout?.off('data', check);
        resolve(match);
      }
    };
    r.child.stdout?.on('data', check);
    void r.exited.then(() => reject(new Error(`exited first; stderr: ${r.stderr.join('')}`)));
    check();
  });
}

test('prints where it listens, serves, and closes cleanly on SIGTERM', async () => {
  const { address, namespace } = testServerLocation();
  const r = run({
    ...gatewayEnv(),
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TASK_QUEUE: 'gateway-cli-test',
  });
  try {
    const [, url] = await lineMatching(r, /HotDocs gateway listening on (http:\/\/127\.0\.0\.1:\d+) /);
    expect(r.stdout.join('')).toContain('task queue gateway-cli-test, 2 API key(s)');
    expect((await call(`${url}/readyz`, { key: null })).json).toEqual({ status: 'ready' });
    const unknown = await call(`${url}/v1/assemblies/assembly-none`, { key: KEYS.ops });
    expect(unknown.json.error.code).toBe('lifecycle-not-found');
    // JSON log lines by route pattern, without the key.
    await lineMatching(r, /"route":"\/v1\/assemblies\/:id"/);
    expect(r.stdout.join('')).not.toContain(KEYS.ops);
  } finally {
    r.child.kill('SIGTERM');
  }
  expect(await r.exited).toBe(0);
  expect(r.stdout.join('')).toMatch(/SIGTERM: closing the gateway\n[\s\S]*gateway closed/);
});

test('bad configuration: every problem on stderr, exit code 2, nothing listens', async () => {
  const r = run({ GATEWAY_PORT: 'eighty', GATEWAY_FINISH_LINK_SECRET: 'short' });
  expect(await r.exited).toBe(2);
  const stderr = r.stderr.join('');
  expect(stderr).toContain('GATEWAY_PORT must be a whole number');
  expect(stderr).toContain('GATEWAY_API_KEYS or GATEWAY_API_KEYS_FILE is required');
  expect(stderr).toContain('GATEWAY_FINISH_LINK_SECRET must be at least 32 characters');
  expect(stderr).not.toContain('short');
});
