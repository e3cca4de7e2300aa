import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { LifecycleClient } from '../../src/client';
import { lifecycleDataConverter } from '../../src/codec';
import { FAILURE_CONVERTER_MARKER as PLAIN_MARKER } from '../../src/codec/failure-converter-plain';
import { connectTestEnvironment } from '../support/temporal';
import { atStage, createHarness, lifecycleInput, type Harness } from '../support/lifecycle-harness';
import { runReplayCheck } from '../support/replay-check-cli';

/**
 * `replay-check` on a namespace whose payloads the workers encrypt: the replay decodes them with
 * PAYLOAD_ENCRYPTION_KEYS like a worker; without the keys, or without the key a history was
 * written with, it says so for each lifecycle instead of reporting a nondeterminism it cannot
 * judge, and exits 3 (the check is incomplete). Also: checking workflow sources (--workflows-path).
 */

const KEY = { id: 'replay-key-1', key: randomBytes(32) };
const OTHER_KEY = { id: 'replay-key-2', key: randomBytes(32) };
const keysEnv = (...keys: Array<typeof KEY>) =>
  keys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(',');
const SOURCES = path.resolve(__dirname, '..', '..', 'src', 'workflows');

let env: TestWorkflowEnvironment;
let h: Harness;
let lifecycleId: string;
let query: string[];

beforeAll(async () => {
  env = await connectTestEnvironment();
  h = await createHarness(env, {}, { PAYLOAD_ENCRYPTION_KEYS: keysEnv(KEY) });
  await h.startWorker();
  const encrypted = new Client({
    connection: env.connection,
    namespace: env.namespace,
    dataConverter: lifecycleDataConverter([KEY]),
  });
  const lifecycles = new LifecycleClient(encrypted, { taskQueue: h.taskQueue });
  ({ lifecycleId } = await lifecycles.start(
    lifecycleInput({ businessKey: `replay-encrypted-${randomUUID()}` }),
  ));
  await atStage(lifecycles, lifecycleId, 'waiting-for-interview');
  await h.stopWorker();
  query = ['--query', `WorkflowType = "assemblyLifecycle" AND TaskQueue = "${h.taskQueue}"`];
}, 120_000);

afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

test('with the keys, the encrypted history replays clean against the workflow sources', async () => {
  const run = await runReplayCheck(['--workflows-path', SOURCES, ...query], {
    PAYLOAD_ENCRYPTION_KEYS: keysEnv(OTHER_KEY, KEY),
  });
  expect(run.stdout).toContain('payloads decrypted with key(s) replay-key-2, replay-key-1');
  expect(run.stdout).toContain('1 replayed: 1 clean, 0 would break, 0 could not be checked');
  expect(run.code).toBe(0);
}, 120_000);

test('without the keys, or without the one it was written with, the lifecycle is named as not checked', async () => {
  const [withoutKeys, withoutItsKey] = await Promise.all([
    runReplayCheck(['--workflows-path', SOURCES, ...query]),
    runReplayCheck(['--workflows-path', SOURCES, ...query], { PAYLOAD_ENCRYPTION_KEYS: keysEnv(OTHER_KEY) }),
  ]);
  expect(withoutKeys.stdout).toMatch(
    new RegExp(
      `NOT CHECKED ${lifecycleId} run \\S+: its payloads are encrypted: set PAYLOAD_ENCRYPTION_KEYS`,
    ),
  );
  expect(withoutKeys.stdout).toContain('1 replayed: 0 clean, 0 would break, 1 could not be checked');
  expect(withoutKeys.code).toBe(3);
  expect(withoutItsKey.stdout).toContain(
    `its payloads are encrypted with key "${KEY.id}", which PAYLOAD_ENCRYPTION_KEYS does not hold`,
  );
  expect(withoutItsKey.code).toBe(3);
  // The keys never appear in what it prints.
  for (const run of [withoutKeys, withoutItsKey]) {
    expect(run.stdout + run.stderr).not.toContain(OTHER_KEY.key.toString('base64'));
  }
}, 120_000);

test('a bundle built without encryption is refused for an encrypted deployment, naming the flag', async () => {
  // What `npm run build` writes into the plain bundle: the marker of its failure converter.
  const plainBundle = path.join(await mkdtemp(path.join(tmpdir(), 'hotdocs-replay-')), 'workflow-bundle.js');
  await writeFile(plainBundle, `/* ${PLAIN_MARKER} */`);
  const run = await runReplayCheck(['--bundle', plainBundle, ...query], {
    PAYLOAD_ENCRYPTION_KEYS: keysEnv(KEY),
  });
  await rm(path.dirname(plainBundle), { recursive: true, force: true });
  expect(JSON.parse(run.stderr)).toEqual({
    error: {
      code: 'invalid-input',
      message: expect.stringMatching(
        /^--bundle: .* does not fit: it was built without encrypted failure messages/,
      ),
    },
  });
  expect(run.stdout).toBe('');
  expect(run.code).toBe(2);
}, 60_000);

test('a query the server refuses is bad input, named as such', async () => {
  const run = await runReplayCheck(['--workflows-path', SOURCES, '--query', 'NoSuchAttribute = "x"']);
  expect(JSON.parse(run.stderr)).toEqual({
    error: {
      code: 'invalid-input',
      message: expect.stringMatching(/^--query: the server refuses it: .*NoSuchAttribute/),
    },
  });
  expect(run.code).toBe(2);
}, 60_000);
