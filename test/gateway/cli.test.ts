import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnChild, type ChildHandle } from '../../tools/process/child-process';
import { call, gatewayEnv, KEYS, sha256Hex } from '../support/gateway-harness';
import { testServerLocation } from '../support/temporal';

/** `hotdocs-temporal gateway` as an operator runs it: configured by the environment, stopped by a signal. */

const BIN = path.join(__dirname, '..', '..', 'bin', 'hotdocs-temporal.js');

function run(env: Record<string, string | undefined>): ChildHandle {
  return spawnChild({
    name: 'hotdocs-temporal gateway',
    command: process.execPath,
    args: [BIN, 'gateway'],
    env: { PATH: process.env['PATH'], ...env },
    tailLines: 10_000,
  });
}

/** The first match of `pattern` in what it printed; rejects when it exits first. */
async function lineMatching(gateway: ChildHandle, pattern: RegExp): Promise<RegExpExecArray> {
  await gateway.waitReady({ output: pattern }, 30_000);
  return pattern.exec(gateway.output()) as RegExpExecArray;
}

test('prints where it listens, serves, and closes cleanly on SIGTERM', async () => {
  const { address, namespace } = testServerLocation();
  const gateway = run({
    ...gatewayEnv(),
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TASK_QUEUE: 'gateway-cli-test',
  });
  try {
    const [, url] = await lineMatching(gateway, /HotDocs gateway listening on (http:\/\/127\.0\.0\.1:\d+) /);
    expect(gateway.output('stdout')).toContain('task queue gateway-cli-test, 2 API key(s)');
    expect((await call(`${url}/readyz`, { key: null })).json).toEqual({ status: 'ready' });
    const unknown = await call(`${url}/v1/assemblies/assembly-none`, { key: KEYS.ops });
    expect(unknown.json.error.code).toBe('lifecycle-not-found');
    // JSON log lines by route pattern, without the key.
    await lineMatching(gateway, /"route":"\/v1\/assemblies\/:id"/);
    expect(gateway.output()).not.toContain(KEYS.ops);
  } finally {
    gateway.child.kill('SIGTERM');
  }
  expect(await gateway.exited).toBe('exited with code 0');
  expect(gateway.output('stdout')).toMatch(/SIGTERM: closing the gateway\n[\s\S]*gateway closed/);
});

test('bad configuration: every problem on stderr, exit code 2, nothing listens', async () => {
  const gateway = run({ GATEWAY_PORT: 'eighty', GATEWAY_FINISH_LINK_SECRET: 'short' });
  expect(await gateway.exited).toBe('exited with code 2');
  const stderr = gateway.output('stderr');
  expect(stderr).toContain('GATEWAY_PORT must be a port number');
  expect(stderr).toContain('GATEWAY_API_KEYS or GATEWAY_API_KEYS_FILE is required');
  expect(stderr).toContain('GATEWAY_FINISH_LINK_SECRET must be at least 32 characters');
  expect(stderr).not.toContain('short');
});

test('SIGHUP re-reads GATEWAY_API_KEYS_FILE; the process keeps serving', async () => {
  const { address, namespace } = testServerLocation();
  const scratch = await mkdtemp(path.join(tmpdir(), 'gateway-sighup-'));
  const keyFile = path.join(scratch, 'keys');
  await writeFile(keyFile, `ops:${sha256Hex(KEYS.ops)} tenancies=* permissions=read\n`);
  const gateway = run({
    ...gatewayEnv({ GATEWAY_API_KEYS: '', GATEWAY_API_KEYS_FILE: keyFile }),
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
  });
  try {
    const [, url] = await lineMatching(gateway, /HotDocs gateway listening on (http:\/\/127\.0\.0\.1:\d+) /);
    const status = async (key: string) => (await call(`${url}/v1/assemblies/assembly-none`, { key })).status;
    expect(await status(KEYS.crm)).toBe(401);
    await writeFile(keyFile, `crm:${sha256Hex(KEYS.crm)} tenancies=* permissions=read\n`);
    gateway.child.kill('SIGHUP');
    await lineMatching(gateway, /"reason":"asked to \(SIGHUP\)".*"msg":"API keys reloaded"/);
    expect(await status(KEYS.crm)).toBe(404);
    expect(await status(KEYS.ops)).toBe(401);
  } finally {
    gateway.child.kill('SIGTERM');
    await gateway.exited;
    await rm(scratch, { recursive: true, force: true });
  }
});
