import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { LifecycleClient } from '../../src/client';
import type { RunningGateway } from '../../src/gateway';
import { eventually, lifecycleInput } from '../support/lifecycle-harness';
import { call, sha256Hex, startTestGateway } from '../support/gateway-harness';
import { connectTestEnvironment, uniqueTaskQueue } from '../support/temporal';

/**
 * GATEWAY_API_KEYS_FILE is re-read when it changes (and on SIGHUP, see cli.test.ts): new keys
 * work, removed ones stop, requests in flight finish with the key they came with, a broken file
 * changes nothing but the log and the keys it no longer lists, and a Secret mounted by Kubernetes
 * is followed through its `..data` symlink swap.
 */

const FIRST = `first-${randomBytes(16).toString('hex')}`;
const SECOND = `second-${randomBytes(16).toString('hex')}`;

let env: TestWorkflowEnvironment;
let scratch: string;
let keyFile: string;
let gateway: RunningGateway;
let lifecycles: LifecycleClient;
const logLines: string[] = [];

beforeAll(async () => {
  env = await connectTestEnvironment();
  scratch = await mkdtemp(path.join(tmpdir(), 'gateway-key-reload-'));
  keyFile = path.join(scratch, 'api-keys');
  await writeFile(keyFile, `first:${sha256Hex(FIRST)} tenancies=* permissions=start,read\n`);
  // No worker: a started lifecycle just stays running, which a held-open request needs.
  lifecycles = new LifecycleClient(env.client, { taskQueue: uniqueTaskQueue('key-reload') });
  gateway = await startTestGateway(lifecycles, {
    env: { GATEWAY_API_KEYS: '', GATEWAY_API_KEYS_FILE: keyFile, GATEWAY_WAIT_LIMIT: '2s' },
    log: { stream: { write: (line) => logLines.push(line) } },
  });
});

afterAll(async () => {
  await gateway?.close();
  await env?.teardown();
  await rm(scratch, { recursive: true, force: true });
});

const statusWith = async (key: string) =>
  (await call(`${gateway.url}/v1/assemblies/assembly-none-${randomUUID()}`, { key })).status;

test('a changed file is read again: the new key works, the removed one stops, a request in flight finishes', async () => {
  const started = await call(`${gateway.url}/v1/assemblies`, {
    method: 'POST',
    key: FIRST,
    body: lifecycleInput({ businessKey: `reload-${randomUUID()}` }),
  });
  expect(started.status).toBe(201);
  expect(await statusWith(SECOND)).toBe(401);
  // Held open for up to 2 s by the first key, while the first key is taken away.
  const inFlight = call(`${gateway.url}/v1/assemblies/${started.json.id}/result?wait=true`, { key: FIRST });
  // As an editor or secret manager writes it: a new file renamed over the old one.
  const replacement = path.join(scratch, 'api-keys.new');
  await writeFile(replacement, `second:${sha256Hex(SECOND)} tenancies=* permissions=read\n`);
  await rename(replacement, keyFile);
  await eventually(async () => ((await statusWith(SECOND)) === 404 ? true : undefined), {
    what: 'the new key to be accepted',
  });
  expect(await statusWith(FIRST)).toBe(401);
  const held = await inFlight;
  expect([held.status, held.json.error.code]).toEqual([409, 'lifecycle-still-running']);
  const reloaded = logLines.map((l) => JSON.parse(l) as { msg: string; apiKeys?: string[]; reason?: string });
  expect(reloaded).toContainEqual(
    expect.objectContaining({ msg: 'API keys reloaded', apiKeys: ['second'], reason: 'the file changed' }),
  );
});

test('a broken file keeps the keys in use and logs its problems by line', async () => {
  await writeFile(keyFile, `second:${sha256Hex(SECOND)} tenancies=* permissions=read\n`);
  expect(gateway.reloadApiKeys()).toBe(true);
  logLines.length = 0;
  const secret = sha256Hex(FIRST);
  await writeFile(
    keyFile,
    `second:${sha256Hex(SECOND)} tenancies=* permissions=raed\nfirst:${secret} oops\n`,
  );
  expect(gateway.reloadApiKeys()).toBe(false);
  expect(await statusWith(SECOND)).toBe(404);
  expect(await statusWith(FIRST)).toBe(401);
  const refused = logLines
    .map((l) => JSON.parse(l) as { msg: string; problems?: string[]; level: number })
    .find((l) => l.msg.startsWith('API key file not reloaded'));
  expect(refused?.level).toBe(50);
  expect(refused?.problems).toEqual([
    expect.stringMatching(
      /^GATEWAY_API_KEYS_FILE line 1 \(key "second"\): permissions: "raed" is not one of/,
    ),
    expect.stringMatching(/^GATEWAY_API_KEYS_FILE line 2 \(key "first"\): unknown setting "oops"/),
    expect.stringMatching(/^GATEWAY_API_KEYS_FILE line 2 \(key "first"\): a scoped key needs tenancies=/),
    expect.stringMatching(/^GATEWAY_API_KEYS_FILE line 2 \(key "first"\): a scoped key needs permissions=/),
  ]);
  expect(logLines.join('')).not.toContain(secret);
  // A file that went missing is a problem too, not "no keys at all".
  await rm(keyFile);
  expect(gateway.reloadApiKeys()).toBe(false);
  expect(await statusWith(SECOND)).toBe(404);
});

test('a broken file still revokes the keys it no longer lists: a typo elsewhere never keeps a removed key valid', async () => {
  const THIRD = `third-${randomBytes(16).toString('hex')}`;
  await writeFile(
    keyFile,
    `second:${sha256Hex(SECOND)} tenancies=* permissions=read\nthird:${sha256Hex(THIRD)} tenancies=* permissions=read\n`,
  );
  expect(gateway.reloadApiKeys()).toBe(true);
  expect(await statusWith(THIRD)).toBe(404);
  logLines.length = 0;
  // The third key is removed while the second's line is being edited, with a typo.
  await writeFile(keyFile, `second:${sha256Hex(SECOND)} tenancies=* permissions=read,raed\n`);
  expect(gateway.reloadApiKeys()).toBe(false);
  expect(await statusWith(THIRD)).toBe(401);
  // The line with the typo still names the second key: it stays as it was.
  expect(await statusWith(SECOND)).toBe(404);
  const refused = logLines
    .map((l) => JSON.parse(l) as { msg: string; problems?: string[]; revoked?: string[]; level: number })
    .find((l) => l.msg.startsWith('API key file not reloaded'));
  expect(refused).toMatchObject({ level: 50, revoked: ['third'] });
  expect(refused?.problems).toEqual([
    expect.stringMatching(
      /^GATEWAY_API_KEYS_FILE line 1 \(key "second"\): permissions: "raed" is not one of/,
    ),
  ]);
});

test("a Kubernetes Secret volume: the key file is followed through kubelet's swap of the ..data symlink", async () => {
  // The layout kubelet writes: key -> ..data/key, ..data -> ..<timestamp>/ (a folder of real files).
  const volume = await mkdtemp(path.join(tmpdir(), 'gateway-secret-volume-'));
  const FOURTH = `fourth-${randomBytes(16).toString('hex')}`;
  const writeVersion = async (folder: string, line: string) => {
    await mkdir(path.join(volume, folder));
    await writeFile(path.join(volume, folder, 'api-keys'), line);
  };
  await writeVersion('..2026_12_07_10_00_00.1', `first:${sha256Hex(FIRST)} tenancies=* permissions=read\n`);
  await symlink('..2026_12_07_10_00_00.1', path.join(volume, '..data'));
  await symlink('..data/api-keys', path.join(volume, 'api-keys'));
  const mounted = await startTestGateway(lifecycles, {
    env: { GATEWAY_API_KEYS: '', GATEWAY_API_KEYS_FILE: path.join(volume, 'api-keys') },
  });
  try {
    const statusAt = async (key: string) =>
      (await call(`${mounted.url}/v1/assemblies/assembly-none-${randomUUID()}`, { key })).status;
    expect(await statusAt(FIRST)).toBe(404);
    expect(await statusAt(FOURTH)).toBe(401);
    // The update as kubelet makes it: a new timestamped folder, a new symlink beside ..data,
    // renamed over ..data (the one atomic step), then the old folder removed.
    await writeVersion(
      '..2026_12_07_10_05_00.2',
      `fourth:${sha256Hex(FOURTH)} tenancies=* permissions=read\n`,
    );
    await symlink('..2026_12_07_10_05_00.2', path.join(volume, '..data_tmp'));
    await rename(path.join(volume, '..data_tmp'), path.join(volume, '..data'));
    await rm(path.join(volume, '..2026_12_07_10_00_00.1'), { recursive: true });
    await eventually(async () => ((await statusAt(FOURTH)) === 404 ? true : undefined), {
      what: 'the key of the swapped Secret to be accepted',
    });
    expect(await statusAt(FIRST)).toBe(401);
  } finally {
    await mounted.close();
    await rm(volume, { recursive: true, force: true });
  }
});
