import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  defaultReplayQuery,
  planCheck,
  ReplayCheckInputError,
  type ReplayCheckFlags,
} from '../../src/cli/replay-check';
import { firstNondeterminism } from '../../src/cli/replay-histories';
import { FAILURE_CONVERTER_MARKER as ENCODED_MARKER } from '../../src/codec/failure-converter-encoded';

/**
 * `replay-check`'s flags and environment, checked before it connects anywhere: every mistake is
 * named (exit 2 in the command), and the plan says exactly what will be replayed against what.
 */

const DEFAULTS: ReplayCheckFlags = { since: '7d', limit: '500', progressEvery: '50' };
const SOURCES = path.resolve(__dirname, '..', '..', 'src', 'workflows');
const KEY = `k1:${randomBytes(32).toString('base64')}`;
const NO_PROFILE = { TEMPORAL_CONFIG_FILE: path.join(__dirname, 'no-such-temporal.toml') };

let scratch: string;
let encryptedBundle: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'hotdocs-replay-unit-'));
  encryptedBundle = path.join(scratch, 'workflow-bundle.encrypted.js');
  await writeFile(encryptedBundle, `/* ${ENCODED_MARKER} */`);
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function problem(flags: Partial<ReplayCheckFlags>, env: NodeJS.ProcessEnv = {}): string {
  try {
    planCheck({ ...DEFAULTS, workflowsPath: SOURCES, ...flags }, { ...NO_PROFILE, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ReplayCheckInputError);
    return (error as Error).message;
  }
  throw new Error('no problem was reported');
}

test('every bad flag is named', () => {
  expect(problem({ limit: '0' })).toBe('--limit must be a whole number of at least 1, not "0"');
  expect(problem({ limit: 'all' })).toBe('--limit must be a whole number of at least 1, not "all"');
  expect(problem({ progressEvery: '-5' })).toMatch(/^--progress-every must be a whole number/);
  expect(problem({ since: 'last week' })).toBe(
    '--since must be a duration such as 7d, 36h or 2w, not "last week"',
  );
  expect(problem({ query: 'WorkflowType = "x"', since: '30d', sinceGiven: true })).toMatch(
    /give --query or --since, not both/,
  );
  expect(problem({ query: '  ' })).toBe('--query is empty');
  expect(problem({ bundle: encryptedBundle })).toBe('give --bundle or --workflows-path, not both');
  expect(problem({ workflowsPath: path.join(scratch, 'nowhere') })).toMatch(
    /^--workflows-path: .*nowhere does not exist/,
  );
});

test('a bundle must exist and fit the encryption setting', () => {
  const bundleOnly = { workflowsPath: undefined };
  expect(problem({ ...bundleOnly, bundle: path.join(scratch, 'missing.js') })).toMatch(
    /^--bundle: no file at .*missing\.js \(run npm run build, or pass --bundle <file> or --workflows-path <dir>\)$/,
  );
  expect(problem({ ...bundleOnly, bundle: encryptedBundle })).toMatch(
    /does not fit: it was built for payload encryption .* without PAYLOAD_ENCRYPTION_KEYS use workflow-bundle\.js$/,
  );
  // Bad keys are reported as they are for the worker, and never quoted.
  const message = problem({}, { PAYLOAD_ENCRYPTION_KEYS: 'k1:not-base64-and-secret' });
  expect(message).toMatch(/PAYLOAD_ENCRYPTION_KEYS/);
  expect(message).not.toContain('not-base64-and-secret');
});

test('the plan: the default query, the connection flags over the environment, the keys for the replay', () => {
  const before = Date.now();
  const plan = planCheck(
    { ...DEFAULTS, bundle: encryptedBundle, address: 'temporal.example.com:7233', namespace: 'leases' },
    { ...NO_PROFILE, TEMPORAL_ADDRESS: 'ignored:7233', PAYLOAD_ENCRYPTION_KEYS: KEY },
  );
  expect(plan.address).toBe('temporal.example.com:7233');
  expect(plan.namespace).toBe('leases');
  expect(plan.limit).toBe(500);
  expect(plan.keyIds).toEqual(['k1']);
  expect(plan.replay.workflowBundle).toEqual({ codePath: encryptedBundle });
  expect(plan.replay.dataConverter?.payloadCodecs).toHaveLength(1);
  const since = /CloseTime > "([^"]+)"/.exec(plan.query)?.[1];
  expect(plan.query).toBe(defaultReplayQuery(new Date(since ?? 'missing')));
  expect(plan.query).toMatch(
    /^WorkflowType = "assemblyLifecycle" AND \(ExecutionStatus = "Running" OR CloseTime > "[^"]+"\)$/,
  );
  const sevenDaysMs = 7 * 86_400_000;
  expect(Date.parse(since!)).toBeGreaterThanOrEqual(before - sevenDaysMs);
  expect(Date.parse(since!)).toBeLessThanOrEqual(Date.now() - sevenDaysMs);
  expect(
    planCheck({ ...DEFAULTS, workflowsPath: SOURCES, query: 'WorkflowId = "a"' }, NO_PROFILE).query,
  ).toBe('WorkflowId = "a"');
});

test('the nondeterminism is cut out of the SDK message; other messages stay whole', () => {
  const sdk =
    'Replay failed with a nondeterminism error. This means that the workflow code as written is not ' +
    'compatible with the history that was fed in. Details: Workflow activation completion failed: ' +
    'Failure { failure: Some(Failure { message: "[TMPRL1100] Nondeterminism error: Timer machine does not ' +
    'handle this event: HistoryEvent(id: 9, ActivityTaskScheduled)", source: "" }) }';
  expect(firstNondeterminism(sdk)).toBe(
    '[TMPRL1100] Nondeterminism error: Timer machine does not handle this event: HistoryEvent(id: 9, ActivityTaskScheduled)',
  );
  expect(firstNondeterminism('something else went wrong')).toBe('something else went wrong');
});
