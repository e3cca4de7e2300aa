import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { AdvanceClient, AdvanceValidationError, AnswerXmlError } from '../../src/advance';
import { LifecycleClient, LifecycleClientError, type RepairRequest } from '../../src/client';
import { AesGcmPayloadCodec, lifecycleDataConverter } from '../../src/codec';
import { ConfigError, loadGatewayConfig, type Env } from '../../src/config';
import type { RunningGateway } from '../../src/gateway';
import { testServerLocation } from '../support/temporal';
import { workflowTaskFailureMessage } from '../support/workflow-task-failure';
import {
  call,
  createGatewayTestbed,
  sha256Hex,
  startTestGateway,
  type GatewayTestbed,
} from '../support/gateway-harness';
import {
  atStage,
  createHarness,
  eventually,
  lifecycleInput,
  TEMPLATE_PACKAGE_ID,
  WORK_GROUP_ID,
} from '../support/lifecycle-harness';

/**
 * Bad input, table-driven, at every edge: the Advance client, the lifecycle client, the CLI, the
 * gateway, workflow input from any Temporal client, and signals and updates. Each case must end in
 * a clear, typed error (or a recorded rejection for fire-and-forget signals) — and afterwards no
 * lifecycle may be left running.
 */

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const GUID = '2d7e4c1e-8a7b-4a8e-9c39-0e3f5f7a1b2c';
const BOMB =
  '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>' +
  '<AnswerSet><Answer name="a"><TextValue>&lol2;</TextValue></Answer></AnswerSet>';
const valid = () => lifecycleInput();
const withWorkItem = (patch: Record<string, unknown>) => ({
  ...valid(),
  workItem: { ...valid().workItem, ...patch },
});

let t: GatewayTestbed;
let finished: string; // a lifecycle that has ended
let running: string; // a lifecycle waiting for its interview (cancelled at the end)
let waitingVersion: string;

beforeAll(async () => {
  t = await createGatewayTestbed();
  const done = await t.h.lifecycles.start(lifecycleInput({ mode: 'batch', storeDocuments: false }));
  await t.h.lifecycles.result(done.lifecycleId);
  finished = done.lifecycleId;
  running = (await t.h.lifecycles.start(lifecycleInput())).lifecycleId;
  const status = await atStage(t.h.lifecycles, running, 'waiting-for-interview');
  waitingVersion = status.activeSession!.versionId;
}, 60_000);

afterAll(async () => {
  await t?.close();
});

async function clientError(action: () => Promise<unknown>): Promise<LifecycleClientError> {
  try {
    await action();
  } catch (error) {
    if (error instanceof LifecycleClientError) return error;
    throw error;
  }
  throw new Error('expected a LifecycleClientError');
}

// ---- the lifecycle client: start ----------------------------------------------------------

const startCases: Array<[string, unknown, RegExp]> = [
  ['input is not an object', 'lease please', /must be a JSON object/],
  ['input is null', null, /must be a JSON object/],
  ['workItem missing', { answerXml: '<AnswerSet/>' }, /workItem is required/],
  ['empty work item name', withWorkItem({ name: '   ' }), /workItem.name is required/],
  ['over-long work item name', withWorkItem({ name: 'x'.repeat(256) }), /at most 255 characters/],
  ['malformed workGroupId', withWorkItem({ workGroupId: 'WG-1' }), /workItem.workGroupId must be a GUID/],
  [
    'templatePackageId of the wrong type',
    withWorkItem({ templatePackageId: 42 }),
    /templatePackageId must be a GUID string/,
  ],
  ['malformed work item id', withWorkItem({ id: '1234' }), /workItem.id must be a GUID/],
  ['unknown top-level field', { ...valid(), priority: 'high' }, /unknown field\(s\): priority/],
  ['unknown workItem field', withWorkItem({ owner: 'ann' }), /unknown field\(s\) in workItem: owner/],
  ['mode not known', { ...valid(), mode: 'fax' }, /mode must be "interview" or "batch"/],
  ['runAssembly of the wrong type', { ...valid(), runAssembly: 'yes' }, /runAssembly must be true or false/],
  [
    'deadline not a duration',
    { ...valid(), interview: { deadline: 'soon' } },
    /interview.deadline must be a duration/,
  ],
  [
    'reminder after the deadline',
    { ...valid(), interview: { deadline: '2d', reminders: ['1d', '3d'] } },
    /"3d" is not before the deadline/,
  ],
  ['businessKey with spaces', { ...valid(), businessKey: 'lease for ann' }, /businessKey may only hold/],
  ['empty answer XML', { ...valid(), answerXml: '  ' }, /answerXml must not be empty/],
  [
    'oversized answer XML',
    { ...valid(), answerXml: `<AnswerSet>${' '.repeat(1024 * 1024)}</AnswerSet>` },
    /at most 1048576/,
  ],
  [
    'malformed answer XML',
    { ...valid(), answerXml: '<AnswerSet><Answer name="a">' },
    /answerXml: Invalid answer XML/,
  ],
  ['hostile answer XML (entity expansion)', { ...valid(), answerXml: BOMB }, /DOCTYPE is not allowed/],
  ['keepOpenFor negative', { ...valid(), keepOpenFor: '-1d' }, /keepOpenFor must be a duration/],
  [
    'a follow-up queue beyond its ceiling',
    { ...valid(), followUpLimits: { queued: 1000 } },
    /followUpLimits.queued must be a whole number from 1 to 100/,
  ],
  [
    'queued answer XML beyond what continue-as-new can carry',
    { ...valid(), followUpLimits: { queuedAnswerXmlBytes: 4 * 1024 * 1024 } },
    /followUpLimits.queuedAnswerXmlBytes must be a whole number from 1 to 1572864/,
  ],
];

describe('lifecycle client: start', () => {
  test.each(startCases)('%s', async (...[, input, message]) => {
    const error = await clientError(() => t.h.lifecycles.start(input));
    expect(error.code).toBe('invalid-input');
    expect(error.message).toMatch(message);
  });
});

// ---- the lifecycle client: messages -------------------------------------------------------

describe('lifecycle client: messages', () => {
  const cases: Array<[string, () => Promise<unknown>, string, RegExp?]> = [
    [
      'interviewCompleted with a malformed version id',
      () => t.h.lifecycles.interviewCompleted(running, 'v1'),
      'invalid-input',
    ],
    [
      'interviewCompleted on an unknown lifecycle',
      () => t.h.lifecycles.interviewCompleted('assembly-nope', GUID),
      'lifecycle-not-found',
    ],
    [
      'interviewCompleted on a finished lifecycle',
      () => t.h.lifecycles.interviewCompleted(finished, GUID),
      'lifecycle-closed',
    ],
    [
      'follow-up with an unknown mode',
      () => t.h.lifecycles.requestFollowUp(running, { mode: 'fax' as 'batch' }),
      'invalid-input',
    ],
    [
      'follow-up with an unknown field',
      () => t.h.lifecycles.requestFollowUp(running, { urgent: true } as object),
      'invalid-input',
    ],
    [
      'follow-up with hostile XML',
      () => t.h.lifecycles.beginFollowUp(running, { answerXml: BOMB }),
      'invalid-input',
      /DOCTYPE/,
    ],
    [
      'follow-up on a finished lifecycle',
      () => t.h.lifecycles.requestFollowUp(finished, {}),
      'lifecycle-closed',
    ],
    [
      'finish of a finished lifecycle (double finish)',
      () => t.h.lifecycles.finish(finished),
      'lifecycle-closed',
    ],
    ['cancel of a finished lifecycle', () => t.h.lifecycles.cancel(finished), 'lifecycle-closed'],
    [
      'status of an unknown lifecycle',
      () => t.h.lifecycles.status('assembly-unknown'),
      'lifecycle-not-found',
    ],
    [
      'result of an unknown lifecycle',
      () => t.h.lifecycles.result('assembly-unknown'),
      'lifecycle-not-found',
    ],
    [
      'result of a running lifecycle without waiting',
      () => t.h.lifecycles.result(running, { wait: false }),
      'lifecycle-still-running',
    ],
    [
      'repair with an unknown action',
      () => t.h.lifecycles.repair(running, { action: 'reboot' } as unknown as RepairRequest),
      'invalid-input',
      /action must be one of retry, accept-completed, abandon/,
    ],
    [
      'repair of a lifecycle that does not need attention',
      () => t.h.lifecycles.repair(running, { action: 'retry' }),
      'request-rejected',
    ],
    [
      'repair of a finished lifecycle',
      () => t.h.lifecycles.repair(finished, { action: 'abandon' }),
      'lifecycle-closed',
    ],
  ];
  test.each(cases)('%s', async (...[, action, code, message]) => {
    const error = await clientError(action);
    expect(error.code).toBe(code);
    if (message !== undefined) expect(error.message).toMatch(message);
  });

  test('a stale version id is ignored by the lifecycle and recorded with its reason', async () => {
    const stale = randomUUID();
    await t.h.lifecycles.interviewCompleted(running, stale);
    const status = await eventually(async () => {
      const s = await t.h.lifecycles.status(running);
      return s.rejectedSignals.some((r) => r.versionId === stale) ? s : undefined;
    });
    expect(status.rejectedSignals.find((r) => r.versionId === stale)?.reason).toBe('no such session');
    expect(status.stage).toBe('waiting-for-interview');
  });
});

// ---- any Temporal client: workflow input, signals and updates -------------------------------

describe('workflow input and messages from any Temporal client', () => {
  test('invalid input fails the workflow at once with a non-retryable, typed failure', async () => {
    const handle = await t.env.client.workflow.start('assemblyLifecycle', {
      workflowId: `raw-${randomUUID()}`,
      taskQueue: t.h.taskQueue,
      args: [{ workItem: { name: 'x', workGroupId: 'nope', templatePackageId: GUID } }],
    });
    const failure = (await handle.result().catch((e: Error) => e)) as {
      cause?: { type?: string; message: string };
    };
    expect(failure.cause?.type).toBe('InvalidLifecycleInput');
    expect(failure.cause?.message).toMatch(/workItem.workGroupId must be a GUID/);
  });

  test('answer XML that only the XML parser rejects fails the lifecycle before anything is created', async () => {
    const handle = await t.env.client.workflow.start('assemblyLifecycle', {
      workflowId: `raw-${randomUUID()}`,
      taskQueue: t.h.taskQueue,
      args: [{ ...valid(), answerXml: BOMB }],
    });
    const failure = (await handle.result().catch((e: Error) => e)) as { cause?: { message: string } };
    expect(failure.cause?.message).toMatch(
      /creating-work-item: Invalid answer XML .* DOCTYPE is not allowed/,
    );
  });

  test('garbage signals are recorded as rejected, not crashing the lifecycle', async () => {
    const handle = t.env.client.workflow.getHandle(running);
    await handle.signal('interviewCompleted', 'not an object');
    await handle.signal('requestFollowUpSession', { mode: 42 });
    const status = await eventually(async () => {
      const s = await t.h.lifecycles.status(running);
      return s.rejectedSignals.some((r) => r.name === 'requestFollowUpSession') ? s : undefined;
    });
    expect(status.rejectedSignals.map((r) => r.name)).toEqual(
      expect.arrayContaining(['interviewCompleted', 'requestFollowUpSession']),
    );
    expect(status.queuedFollowUps).toEqual([]);
  });

  test('an invalid update is rejected by its validator before it reaches history', async () => {
    const handle = t.env.client.workflow.getHandle(running);
    const error = await handle
      .executeUpdate('beginFollowUpSession', { args: [{ mode: 'fax' }] })
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((error as WorkflowUpdateFailedError).cause?.message).toMatch(
      /beginFollowUpSession refused: mode must be/,
    );
  });
});

// ---- the Advance client ---------------------------------------------------------------------

describe('Advance client', () => {
  const advance = () =>
    new AdvanceClient({
      baseUrl: t.h.emulator.cloud.baseUrl,
      authUrl: t.h.emulator.cloud.authUrl,
      ...t.h.emulator.credentials,
    });
  const cases: Array<[string, (c: AdvanceClient) => Promise<unknown>, new (...a: never[]) => Error, RegExp]> =
    [
      [
        'malformed work item GUID',
        (c) => c.getWorkItem('../../etc/passwd'),
        AdvanceValidationError,
        /not a GUID/,
      ],
      [
        'empty work item name',
        (c) =>
          c.createWorkItem({
            id: GUID,
            workGroupId: WORK_GROUP_ID,
            templatePackageId: TEMPLATE_PACKAGE_ID,
            name: '',
          }),
        AdvanceValidationError,
        /name is required/,
      ],
      [
        'hostile answer XML',
        (c) => c.beginSession(GUID, GUID, { answerXml: BOMB }),
        AnswerXmlError,
        /DOCTYPE/,
      ],
    ];
  test.each(cases)('%s', async (...[, action, type, message]) => {
    const client = advance();
    try {
      const error = await action(client).catch((e: Error) => e);
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(message);
    } finally {
      await client.close();
    }
  });
});

// ---- the CLI --------------------------------------------------------------------------------

describe('CLI', () => {
  async function cli(args: string[]): Promise<{ code: number; error: { code: string; message: string } }> {
    const { address, namespace } = testServerLocation();
    try {
      await run(process.execPath, [path.join(ROOT, 'bin', 'hotdocs-temporal.js'), ...args], {
        cwd: ROOT,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: address,
          TEMPORAL_NAMESPACE: namespace,
          TEMPORAL_TASK_QUEUE: t.h.taskQueue,
        },
      });
    } catch (failure) {
      const { code, stderr } = failure as { code: number; stderr: string };
      return { code, error: (JSON.parse(stderr) as { error: { code: string; message: string } }).error };
    }
    throw new Error('expected the CLI to fail');
  }
  const cases: Array<[string, string[], number, string]> = [
    ['start with invalid JSON', ['start', '--json', '{"workItem": '], 2, 'invalid-input'],
    [
      'start with a schema failure',
      ['start', '--json', JSON.stringify(withWorkItem({ name: '' }))],
      2,
      'invalid-input',
    ],
    [
      'complete-interview with a malformed version id',
      ['complete-interview', 'x', '--version-id', 'v1'],
      2,
      'invalid-input',
    ],
    ['status of an unknown lifecycle', ['status', 'assembly-unknown'], 1, 'lifecycle-not-found'],
    ['repair without an action', ['repair', 'assembly-x'], 2, 'invalid-input'],
    ['repair with two actions', ['repair', 'assembly-x', '--retry', '--abandon'], 2, 'invalid-input'],
    [
      'repair with an over-long note',
      ['repair', 'assembly-x', '--retry', '--note', 'n'.repeat(501)],
      2,
      'invalid-input',
    ],
  ];
  test.each(cases)('%s', async (...[, args, exitCode, code]) => {
    const answer = await cli(args);
    expect(answer.code).toBe(exitCode);
    expect(answer.error.code).toBe(code);
  });
});

// ---- the gateway ----------------------------------------------------------------------------

describe('gateway', () => {
  const url = (p: string) => `${t.gateway.url}${p}`;
  const cases: Array<[string, () => ReturnType<typeof call>, number, string]> = [
    [
      'no API key',
      () => call(url('/v1/assemblies'), { method: 'POST', key: null, body: valid() }),
      401,
      'unauthorized',
    ],
    [
      'wrong API key',
      () => call(url('/v1/assemblies'), { method: 'POST', key: 'guess', body: valid() }),
      401,
      'unauthorized',
    ],
    [
      'malformed JSON body',
      () =>
        call(url('/v1/assemblies'), {
          method: 'POST',
          body: '{"workItem":',
          headers: { 'content-type': 'application/json' },
        }),
      400,
      'malformed-body',
    ],
    [
      'schema failure',
      () => call(url('/v1/assemblies'), { method: 'POST', body: withWorkItem({ workGroupId: 'x' }) }),
      400,
      'validation-failed',
    ],
    [
      'unknown field',
      () => call(url('/v1/assemblies'), { method: 'POST', body: { ...valid(), colour: 'red' } }),
      400,
      'validation-failed',
    ],
    [
      'oversized body',
      () =>
        call(url('/v1/assemblies'), {
          method: 'POST',
          body: { ...valid(), answerXml: 'x'.repeat(3 * 1024 * 1024) },
        }),
      413,
      'payload-too-large',
    ],
    ['unknown lifecycle', () => call(url('/v1/assemblies/assembly-unknown')), 404, 'lifecycle-not-found'],
    [
      'follow-up on a finished lifecycle',
      () => call(url(`/v1/assemblies/${finished}/follow-ups`), { method: 'POST', body: {} }),
      409,
      'lifecycle-closed',
    ],
    [
      'repair with an unknown action',
      () => call(url(`/v1/assemblies/${running}/repair`), { method: 'POST', body: { action: 'reboot' } }),
      400,
      'validation-failed',
    ],
    [
      'repair of a lifecycle that does not need attention',
      () => call(url(`/v1/assemblies/${running}/repair`), { method: 'POST', body: { action: 'retry' } }),
      409,
      'request-rejected',
    ],
    [
      'a method the route does not take',
      () => call(url(`/v1/assemblies/${running}`), { method: 'DELETE' }),
      405,
      'method-not-allowed',
    ],
    [
      'tampered finish link',
      () =>
        call(url(`/v1/finish/${'A'.repeat(40)}.${'B'.repeat(43)}`), { method: 'POST', key: null, body: {} }),
      403,
      'finish-link-invalid',
    ],
  ];
  test.each(cases)('%s', async (...[, request, status, code]) => {
    const answer = await request();
    expect(answer.status).toBe(status);
    expect(answer.json?.error?.code).toBe(code);
  });
});

// ---- API keys: scopes, key lines, trusted proxies ---------------------------------------------

describe('gateway: keys outside their scope', () => {
  const ACME = `acme-${randomBytes(16).toString('hex')}`;
  const READER = `reader-${randomBytes(16).toString('hex')}`;
  let scoped: RunningGateway;
  beforeAll(async () => {
    scoped = await startTestGateway(t.h.lifecycles, {
      env: {
        GATEWAY_API_KEYS:
          `acme:${sha256Hex(ACME)} tenancies=acme prefixes=acme- permissions=start,read,interview; ` +
          `reader:${sha256Hex(READER)} tenancies=* permissions=read`,
      },
    });
  });
  afterAll(async () => {
    await scoped?.close();
  });
  const at = (p: string) => `${scoped.url}${p}`;
  const cases: Array<[string, () => ReturnType<typeof call>, number, string]> = [
    [
      'start in another tenancy',
      () =>
        call(at('/v1/assemblies'), {
          method: 'POST',
          key: ACME,
          body: { ...valid(), businessKey: 'acme-1', tenancy: 'globex' },
        }),
      403,
      'forbidden',
    ],
    [
      'start without naming the tenancy',
      () =>
        call(at('/v1/assemblies'), {
          method: 'POST',
          key: ACME,
          body: { ...valid(), businessKey: 'acme-2' },
        }),
      403,
      'forbidden',
    ],
    [
      'start outside the business-key prefix',
      () =>
        call(at('/v1/assemblies'), {
          method: 'POST',
          key: ACME,
          body: { ...valid(), businessKey: 'nda-1', tenancy: 'acme' },
        }),
      403,
      'forbidden',
    ],
    [
      'read a lifecycle of no tenancy it covers',
      () => call(at(`/v1/assemblies/${running}`), { key: ACME }),
      404,
      'lifecycle-not-found',
    ],
    [
      'interview link for a lifecycle out of scope',
      () => call(at(`/v1/assemblies/${running}/interview`), { key: ACME }),
      404,
      'lifecycle-not-found',
    ],
    [
      'cancel with a read-only key',
      () => call(at(`/v1/assemblies/${running}/cancel`), { method: 'POST', key: READER }),
      403,
      'forbidden',
    ],
    [
      'finish with a read-only key',
      () => call(at(`/v1/assemblies/${running}/finish`), { method: 'POST', key: READER }),
      403,
      'forbidden',
    ],
    [
      'repair with a read-only key',
      () =>
        call(at(`/v1/assemblies/${running}/repair`), {
          method: 'POST',
          key: READER,
          body: { action: 'abandon' },
        }),
      403,
      'forbidden',
    ],
  ];
  test.each(cases)('%s', async (...[, request, status, code]) => {
    const answer = await request();
    expect([answer.status, answer.json?.error?.code]).toEqual([status, code]);
  });
  test('nothing the refused keys asked for happened', async () => {
    const status = await t.h.lifecycles.status(running);
    expect([status.stage, status.finishRequested]).toEqual(['waiting-for-interview', false]);
  });
});

describe('gateway configuration: key lines and trusted proxies', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'bad-keys-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });
  const HASH = sha256Hex('k');
  const problemsOf = (env: Env): readonly string[] => {
    try {
      loadGatewayConfig({ GATEWAY_FINISH_LINK_SECRET: 'f'.repeat(64), ...env });
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    throw new Error('expected a ConfigError');
  };
  const keyLines: Array<[string, string, RegExp]> = [
    ['not name:hash', 'ops', /^GATEWAY_API_KEYS_FILE line 1 must be "name:sha256hex"/],
    [
      'a hash too short',
      'ops:abc123 tenancies=* permissions=read',
      /^GATEWAY_API_KEYS_FILE line 1 must be "name:sha256hex"/,
    ],
    [
      'an unknown permission',
      `ops:${HASH} tenancies=* permissions=delete`,
      /permissions: "delete" is not one of/,
    ],
    ['a scope without tenancies', `ops:${HASH} permissions=read`, /a scoped key needs tenancies=/],
    ['a scope without permissions', `ops:${HASH} tenancies=acme`, /a scoped key needs permissions=/],
    ['an unknown setting', `ops:${HASH} tenancies=* permissions=read owner=me`, /unknown setting "owner"/],
    [
      'a bad tenancy name',
      `ops:${HASH} tenancies=a/b permissions=read`,
      /tenancies: "a\/b" is not a tenancy name/,
    ],
  ];
  test.each(keyLines)('key file: %s', async (...[, line, problem]) => {
    const file = path.join(scratch, `keys-${randomUUID()}`);
    await writeFile(file, `${line}\n`);
    const problems = problemsOf({ GATEWAY_API_KEYS_FILE: file });
    expect(problems).toEqual([expect.stringMatching(problem)]);
    expect(problems.join('\n')).not.toContain(HASH);
  });
  const proxies: Array<[string, RegExp]> = [
    ['true', /GATEWAY_TRUST_PROXY: "true" is not an IP address/],
    ['0', /GATEWAY_TRUST_PROXY: a hop count must be from 1 to 10/],
    ['10.0.0.0/40', /GATEWAY_TRUST_PROXY: "10.0.0.0\/40" is not an IP address/],
    ['proxy.internal', /GATEWAY_TRUST_PROXY: "proxy.internal" is not an IP address/],
  ];
  test.each(proxies)('GATEWAY_TRUST_PROXY=%s', (value, problem) => {
    expect(problemsOf({ GATEWAY_API_KEYS: `ops:${HASH}`, GATEWAY_TRUST_PROXY: value })).toEqual([
      expect.stringMatching(problem),
    ]);
  });
});

// ---- PAYLOAD_ENCRYPTION_REQUIRED: a plain payload from someone with Temporal access -----------

describe('a plain signal to a lifecycle whose worker requires encryption', () => {
  const KEY = { id: 'k1', key: randomBytes(32) };
  const keysText = `k1:${KEY.key.toString('base64')}`;

  test('the workflow task fails with a message naming PAYLOAD_ENCRYPTION_REQUIRED; the signal is not taken', async () => {
    const h = await createHarness(
      t.env,
      {},
      { PAYLOAD_ENCRYPTION_KEYS: keysText, PAYLOAD_ENCRYPTION_REQUIRED: 'true' },
    );
    try {
      await h.startWorker();
      const encrypted = new LifecycleClient(
        new Client({
          connection: t.env.connection,
          namespace: t.env.namespace ?? 'default',
          dataConverter: lifecycleDataConverter([KEY], { requireEncrypted: true }),
        }),
        { taskQueue: h.taskQueue },
      );
      const { lifecycleId } = await encrypted.start(lifecycleInput());
      const waiting = await atStage(encrypted, lifecycleId, 'waiting-for-interview');
      // Someone with Temporal access but without the keys: a raw client, plain JSON payloads.
      const plain = t.env.client.workflow.getHandle(lifecycleId);
      await plain.signal('interviewCompleted', { versionId: waiting.activeSession!.versionId });
      // The worker encrypts failure messages too: decoded here as Temporal UI's codec endpoint would.
      const message = await workflowTaskFailureMessage(plain, new AesGcmPayloadCodec([KEY]));
      expect(message).toMatch(
        /refused an unencrypted payload \(encoding "json\/plain"\): with PAYLOAD_ENCRYPTION_REQUIRED=true/,
      );
      // The interview was not taken as finished: nothing was completed in Advance.
      expect(h.emulator.requests().filter((r) => r.endpoint === 'completeSession')).toEqual([]);
      // A plain start fails the same way, at its first workflow task, before any activity.
      const raw = await t.env.client.workflow.start('assemblyLifecycle', {
        workflowId: `plain-${randomUUID()}`,
        taskQueue: h.taskQueue,
        args: [lifecycleInput()],
      });
      await eventually(async () => {
        const events = (await raw.fetchHistory()).events ?? [];
        return events.some((e) => e.workflowTaskFailedEventAttributes) ? true : undefined;
      });
      expect(h.emulator.requests().filter((r) => r.endpoint === 'createWorkItem')).toHaveLength(1);
      // Such a lifecycle stays stuck until an operator resets or terminates it (docs/deploy.md).
      for (const handle of [plain, raw]) await handle.terminate('bad-input test: plain payload refused');
    } finally {
      await h.close();
    }
  });
});

// ---- afterwards -----------------------------------------------------------------------------

test('no lifecycle is left stuck: the only open one is the one deliberately waiting', async () => {
  await t.h.lifecycles.cancel(running);
  await t.h.lifecycles.result(running).catch(() => undefined);
  const open: string[] = [];
  for await (const execution of t.env.client.workflow.list({
    query: `TaskQueue = '${t.h.taskQueue}' AND ExecutionStatus = 'Running'`,
  })) {
    open.push(execution.workflowId);
  }
  expect(open).toEqual([]);
  expect(waitingVersion).toMatch(/^[0-9a-f-]{36}$/);
});
