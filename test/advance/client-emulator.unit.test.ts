import { createHash, randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { Agent, type Dispatcher } from 'undici';
import {
  AdvanceAuthError,
  AdvanceClient,
  AdvanceConflictError,
  AdvanceForbiddenError,
  AdvanceNotFoundError,
  AdvanceSessionNotRecoverableError,
  AdvanceThrottledError,
  AdvanceTransientError,
  AdvanceValidationError,
  AnswerXmlError,
  ensureSessionBegun,
  ensureSessionCompleted,
  ensureSessionSaved,
  ensureWorkItemCreated,
  ADVANCE_API_VERSIONS,
  type AdvanceApiVersion,
  type AdvanceClientOptions,
  type AdvanceRequestEvent,
} from '../../src/advance';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../tools/emulator';
import { controlDate } from '../support/controlled-date';
import { eventually } from '../support/eventually';

const PASSWORD = 'correct horse battery staple';
const ANSWERS =
  '<AnswerSet title="Lease"><Answer name="Tenant"><TextValue>Ann Example</TextValue></Answer>' +
  '<Answer name="Rent"><NumValue>1250</NumValue></Answer></AnswerSet>';

let emulator: RunningEmulator;
let client: AdvanceClient;
let events: AdvanceRequestEvent[];

/** The emulator's names for the calls that differ by protocol (faults and counts are keyed by them). */
const ENDPOINTS = {
  'v1.1': { complete: 'completeSession', save: 'saveSession' },
  'v2.0': { complete: 'completeVersion', save: 'saveAndCloseVersion' },
} as const;

async function setUp(
  emulatorOptions: EmulatorOptions = {},
  clientOptions: Partial<AdvanceClientOptions> = {},
  apiVersion: AdvanceApiVersion = 'v1.1',
) {
  emulator = await startEmulator({ principalPassword: PASSWORD, ...emulatorOptions });
  events = [];
  client = new AdvanceClient(
    {
      baseUrl: emulator.apis[apiVersion].cloud.baseUrl,
      authUrl: emulator.cloud.authUrl,
      apiVersion,
      clientName: emulator.credentials.clientName,
      principalName: emulator.credentials.principalName,
      principalPassword: PASSWORD,
      ...clientOptions,
    },
    { onRequest: (event) => events.push(event) },
  );
}

afterEach(async () => {
  jest.useRealTimers();
  await client?.close();
  await emulator?.close();
});

function newItem(overrides: Partial<{ name: string; answerXml: string }> = {}) {
  return {
    id: randomUUID(),
    workGroupId: randomUUID(),
    templatePackageId: randomUUID(),
    name: 'Lease for Ann',
    ...overrides,
  };
}

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

/** No secret in an error's message, JSON form or inspection. */
function expectNoSecrets(error: Error, secrets: string[]) {
  const renderings = [
    error.message,
    JSON.stringify(error),
    inspect(error, { depth: 5 }),
    String(error.stack),
  ];
  for (const secret of secrets) for (const text of renderings) expect(text).not.toContain(secret);
}

describe.each(ADVANCE_API_VERSIONS)(
  'every method against the emulator (%s, cloud path shape)',
  (apiVersion) => {
    beforeEach(() => setUp({}, {}, apiVersion));

    test('create, get, begin, save, resume, complete, list, download', async () => {
      const item = newItem({ answerXml: ANSWERS });
      const created = await client.createWorkItem(item);
      expect(created?.id).toBe(item.id);
      expect(created?.name).toBe(item.name);

      const fetched = await client.getWorkItem(item.id);
      expect(fetched).toMatchObject({ id: item.id, workGroupId: item.workGroupId, activeVersionId: null });

      const first = randomUUID();
      const session = await client.beginSession(item.id, first, { answerXml: ANSWERS });
      expect(session).toMatchObject({ workItemId: item.id, versionId: first });
      expect(session.interviewJsUrl).toContain(session.coreSessionId);
      expect((await client.getWorkItem(item.id)).activeVersionId).toBe(first);

      await client.saveSession(item.id, { versionId: first });
      const second = randomUUID();
      await client.beginSession(item.id, second); // resumes the saved answers
      await client.completeSession(item.id, { versionId: second });

      const after = await client.getWorkItem(item.id);
      expect(after.versions).toEqual([
        { versionId: first, status: 'Saved' },
        { versionId: second, status: 'Completed' },
      ]);

      const documents = await client.listDocuments(item.id, { versionId: second });
      expect(documents.length).toBeGreaterThan(0);
      const pdf = documents.find((d) => d.contentType === 'application/pdf');
      expect(pdf).toBeDefined();
      const download = await client.downloadDocument(item.id, pdf!.id, { versionId: second });
      expect(download.contentType).toBe('application/pdf');
      expect(download.fileName).toMatch(/\.pdf$/);
      const chunks: Buffer[] = [];
      for await (const chunk of download.body) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(pdf!.sha256);
      expect(download.contentLength).toBe(bytes.length);

      // The session's answers came from the resumed save: the PDF mentions the tenant.
      expect(bytes.toString('latin1')).toContain('Ann Example');
      expect(emulator.requests().every((r) => r.endpoint === 'login' || r.api === apiVersion)).toBe(true);
    });

    test('acquireToken returns metadata only, and a cached token needs no new login', async () => {
      const metadata = await client.acquireToken();
      expect(metadata).toMatchObject({ loggedIn: true, expirySource: 'jwt' });
      expect(Object.keys(metadata).sort()).toEqual([
        'expiresAt',
        'expirySource',
        'loggedIn',
        'obtainedAt',
        'tenancy',
      ]);
      expect((await client.acquireToken()).loggedIn).toBe(false);
      expect(emulator.logins().succeeded).toBe(1);
    });

    test('forceCreate replaces an in-progress session only when asked', async () => {
      const item = newItem();
      await client.createWorkItem(item);
      const first = randomUUID();
      await client.beginSession(item.id, first);
      const conflict = await caught(client.beginSession(item.id, randomUUID()));
      expect(conflict).toBeInstanceOf(AdvanceConflictError);
      expect((conflict as AdvanceConflictError).reason).toBe('session-in-progress');
      const replacement = randomUUID();
      await client.beginSession(item.id, replacement, { forceCreate: true });
      expect(emulator.workItem(item.id)?.versions.map((v) => v.status)).toEqual(['Discarded', 'InProgress']);
    });
  },
);

describe('v1.1 only', () => {
  beforeEach(() => setUp());

  test('complete without assembly produces a version without documents', async () => {
    const item = newItem();
    await client.createWorkItem(item);
    const versionId = randomUUID();
    await client.beginSession(item.id, versionId, { answerXml: ANSWERS });
    await client.completeSession(item.id, { runAssembly: false });
    expect(emulator.workItem(item.id)?.versions[0]).toMatchObject({ status: 'Completed', assembled: false });
    expect(await client.listDocuments(item.id)).toEqual([]);
  });
});

describe.each(ADVANCE_API_VERSIONS)('on-premise path shape and cloud URLs (%s)', (apiVersion) => {
  test('the on-premise shape works end to end', async () => {
    emulator = await startEmulator({ principalPassword: PASSWORD });
    client = new AdvanceClient({
      baseUrl: emulator.apis[apiVersion].onPremise.baseUrl,
      authUrl: emulator.onPremise.authUrl,
      apiVersion,
      ...emulator.credentials,
    });
    const item = newItem();
    await client.createWorkItem(item);
    const versionId = randomUUID();
    await client.beginSession(item.id, versionId);
    await client.completeSession(item.id, { versionId });
    expect((await client.listDocuments(item.id, { versionId })).length).toBeGreaterThan(0);
    const shape = new RegExp(`^/(HdaApi/rest/${apiVersion.replace('.', '\\.')}|HdaAuth)/`);
    expect(emulator.requests().every((r) => shape.test(r.path))).toBe(true);
  });

  test.each([
    [
      'cloud',
      { deployment: 'cloud', tenancy: 'acme' },
      `/api/rest/${apiVersion}/WorkItems/`,
      '/auth/Authorize/',
    ],
    [
      'on-premise',
      { deployment: 'onpremise', tenancy: 'legal', domain: 'example.com' },
      `/HdaApi/rest/${apiVersion}/WorkItems/`,
      '/HdaAuth/Authorize/',
    ],
  ] as const)(
    'a %s configuration sends its paths and Host over a real socket',
    async (_name, location, api, auth) => {
      emulator = await startEmulator({ principalPassword: PASSWORD });
      // Stand-in for DNS and TLS: send every request to the emulator, keeping path and Host header.
      const hosts: string[] = [];
      const redirect: Dispatcher = new Agent().compose((dispatch) => (opts, handler) => {
        hosts.push(String(opts.origin));
        return dispatch({ ...opts, origin: emulator.url }, handler);
      });
      client = new AdvanceClient(
        { ...location, apiVersion, ...emulator.credentials },
        { dispatcher: redirect },
      );
      const item = newItem();
      await client.createWorkItem(item);
      const paths = emulator.requests().map((r) => r.path);
      expect(paths[0]).toContain(auth);
      expect(paths[1]).toBe(`${api}${item.id}`);
      const expectedHost =
        location.deployment === 'cloud' ? 'https://acme.hotdocsadvance.com' : 'https://legal.example.com';
      expect(new Set(hosts)).toEqual(new Set([expectedHost]));
      await redirect.close();
    },
  );
});

describe('tokens', () => {
  test('a token that expires for real is renewed before use', async () => {
    const clock = controlDate();
    await setUp({ tokenLifetimeSeconds: 60 }, { tokenLifetimeSeconds: 60 });
    await client.getWorkItem(randomUUID()).catch(() => undefined);
    clock.advance(60_000);
    await client.getWorkItem(randomUUID()).catch(() => undefined);
    expect(emulator.logins().succeeded).toBe(2);
    // Renewal happened before the call, not after a 401.
    expect(emulator.counts().getWorkItem.byStatus['401']).toBeUndefined();
  });

  test('an opaque token uses the configured lifetime', async () => {
    await setUp({ tokenFormat: 'opaque' }, { tokenLifetimeSeconds: 120 });
    const metadata = await client.acquireToken();
    expect(metadata.expirySource).toBe('configured');
    expect(Date.parse(metadata.expiresAt) - Date.parse(metadata.obtainedAt)).toBe(120_000);
  });

  test('20 concurrent calls on a server-side expired token cause exactly one login', async () => {
    await setUp();
    const item = newItem();
    await client.createWorkItem(item);
    emulator.expireTokens();
    const before = emulator.logins().succeeded;
    const results = await Promise.all(Array.from({ length: 20 }, () => client.getWorkItem(item.id)));
    expect(results.every((r) => r.id === item.id)).toBe(true);
    expect(emulator.logins().succeeded - before).toBe(1);
    expect(emulator.counts().getWorkItem.byStatus['401']).toBe(20);
  });

  test('20 concurrent first calls share one login', async () => {
    await setUp();
    await Promise.all(Array.from({ length: 20 }, () => client.acquireToken()));
    expect(emulator.logins().total).toBe(1);
  });

  test('401 renews once and repeats once; a second 401 is an auth error', async () => {
    await setUp();
    const item = newItem();
    await client.createWorkItem(item);
    emulator.setFaults({ script: [{ endpoint: 'getWorkItem', fault: 'error', status: 401 }] });
    await expect(client.getWorkItem(item.id)).resolves.toMatchObject({ id: item.id });
    expect(emulator.logins().succeeded).toBe(2);

    emulator.setFaults({ script: [{ endpoint: 'getWorkItem', fault: 'error', status: 401, times: 2 }] });
    const error = await caught(client.getWorkItem(item.id));
    expect(error).toBeInstanceOf(AdvanceAuthError);
    expect(error.message).toMatch(/freshly issued token/);
    expect(emulator.logins().succeeded).toBe(3);
  });

  test('bad credentials: a clear auth error without the password', async () => {
    await setUp({}, { principalPassword: 'wrong-password-123' });
    const error = await caught(client.acquireToken());
    expect(error).toBeInstanceOf(AdvanceAuthError);
    expect((error as AdvanceAuthError).retryable).toBe(false);
    expect(error.message).toMatch(/check the client name, principal name and password/);
    expectNoSecrets(error, ['wrong-password-123', PASSWORD]);
  });
});

describe('throttling and transient faults', () => {
  beforeEach(() => setUp());

  test('429 gives the server delay', async () => {
    emulator.setFaults({ script: [{ endpoint: 'getWorkItem', fault: 'throttle', retryAfterSeconds: 7 }] });
    const error = await caught(client.getWorkItem(randomUUID()));
    expect(error).toBeInstanceOf(AdvanceThrottledError);
    expect((error as AdvanceThrottledError).retryAfterMs).toBe(7_000);
    expect((error as AdvanceThrottledError).retryable).toBe(true);
  });

  test.each([500, 502, 503])('HTTP %d is transient and names the call', async (status) => {
    const item = newItem();
    emulator.setFaults({ script: [{ endpoint: 'createWorkItem', fault: 'error', status }] });
    const error = await caught(client.createWorkItem(item));
    expect(error).toBeInstanceOf(AdvanceTransientError);
    expect(error.message).toContain(`createWorkItem for work item ${item.id}`);
    expect((error as AdvanceTransientError).status).toBe(status);
    expect(emulator.workItem(item.id)).toBeUndefined();
  });

  test('a connection reset is transient', async () => {
    emulator.setFaults({ script: [{ endpoint: 'listDocuments', fault: 'reset' }] });
    const error = await caught(client.listDocuments(randomUUID()));
    expect(error).toBeInstanceOf(AdvanceTransientError);
    expect(error.message).toMatch(/without a response/);
  });

  test('a slow answer hits the headers timeout', async () => {
    await client.close();
    client = new AdvanceClient({
      baseUrl: emulator.cloud.baseUrl,
      authUrl: emulator.cloud.authUrl,
      ...emulator.credentials,
      principalPassword: PASSWORD,
      headersTimeoutMs: 200,
    });
    await client.acquireToken();
    emulator.setFaults({ script: [{ endpoint: 'getWorkItem', fault: 'latency', latencyMs: 1_500 }] });
    const error = await caught(client.getWorkItem(randomUUID()));
    expect(error).toBeInstanceOf(AdvanceTransientError);
    expect((error as AdvanceTransientError).code).toBe('UND_ERR_HEADERS_TIMEOUT');
  });

  test('an abort signal stops a call at once', async () => {
    await client.acquireToken();
    emulator.setFaults({ script: [{ endpoint: 'getWorkItem', fault: 'latency', latencyMs: 60_000 }] });
    const controller = new AbortController();
    const pending = client.getWorkItem(randomUUID(), { signal: controller.signal });
    const held = () => emulator.requests().find((r) => r.endpoint === 'getWorkItem' && r.status === null);
    await eventually(held, { what: 'the call to reach Advance' });
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
    // Advance has not answered yet: the call stopped at the abort, not at the answer.
    expect(held()).toBeDefined();
  });
});

describe.each(ADVANCE_API_VERSIONS)(
  'apply-then-fail ends with exactly one of everything (%s)',
  (apiVersion) => {
    beforeEach(() => setUp({}, {}, apiVersion));

    /** The emulator injected the one scripted fault, and the change was made before it hit. */
    const expectApplied = (kind: string) =>
      expect(emulator.injectedFaults()).toEqual([expect.objectContaining({ kind, applied: true })]);

    test.each(['apply-then-error', 'apply-then-reset'] as const)('create: %s', async (fault) => {
      const item = newItem();
      emulator.setFaults({ script: [{ endpoint: 'createWorkItem', fault }] });
      await expect(ensureWorkItemCreated(client, item)).rejects.toBeInstanceOf(AdvanceTransientError);
      expectApplied(fault);
      await expect(ensureWorkItemCreated(client, item)).resolves.toMatchObject({
        outcome: 'already-existed',
      });
      // Any second work item would have another id: the emulator holds exactly this one.
      expect(emulator.state.workItems.map((w) => w.id)).toEqual([item.id]);
    });

    test.each(['apply-then-error', 'apply-then-reset'] as const)('begin: %s', async (fault) => {
      const item = newItem();
      await client.createWorkItem(item);
      const versionId = randomUUID();
      emulator.setFaults({ script: [{ endpoint: 'beginSession', fault }] });
      await expect(ensureSessionBegun(client, item.id, versionId)).rejects.toBeInstanceOf(
        AdvanceTransientError,
      );
      expectApplied(fault);
      const retried = await ensureSessionBegun(client, item.id, versionId);
      expect(retried.outcome).toBe('already-in-progress');
      const versions = emulator.workItem(item.id)!.versions;
      expect(versions).toHaveLength(1);
      expect(versions[0]).toMatchObject({ versionId, status: 'InProgress' });
      expect(retried.session.coreSessionId).toBe(versions[0]!.coreSessionId);
    });

    test.each(['apply-then-error', 'apply-then-reset'] as const)('complete: %s', async (fault) => {
      const item = newItem();
      await client.createWorkItem(item);
      const versionId = randomUUID();
      await client.beginSession(item.id, versionId);
      emulator.setFaults({ script: [{ endpoint: ENDPOINTS[apiVersion].complete, fault }] });
      await expect(ensureSessionCompleted(client, item.id, versionId)).rejects.toBeInstanceOf(
        AdvanceTransientError,
      );
      expectApplied(fault);
      await expect(ensureSessionCompleted(client, item.id, versionId)).resolves.toEqual({
        outcome: 'already-completed',
      });
      const versions = emulator.workItem(item.id)!.versions;
      expect(versions.map((v) => [v.versionId, v.status])).toEqual([[versionId, 'Completed']]);
    });

    test('save of a session that is no longer in progress is harmless', async () => {
      const item = newItem();
      await client.createWorkItem(item);
      const versionId = randomUUID();
      await client.beginSession(item.id, versionId);
      emulator.setFaults({ script: [{ endpoint: ENDPOINTS[apiVersion].save, fault: 'apply-then-reset' }] });
      await expect(ensureSessionSaved(client, item.id, { versionId })).rejects.toBeInstanceOf(
        AdvanceTransientError,
      );
      expectApplied('apply-then-reset');
      await expect(ensureSessionSaved(client, item.id, { versionId })).resolves.toEqual({
        outcome: 'nothing-in-progress',
      });
    });
  },
);

describe.each(ADVANCE_API_VERSIONS)('each open-behaviour switch (%s)', (apiVersion) => {
  beforeEach(() => setUp({}, {}, apiVersion));

  test.each(['conflict', 'noop', 'update'] as const)('duplicate create: %s', async (duplicateCreate) => {
    emulator.setBehaviour({ duplicateCreate });
    const item = newItem();
    await client.createWorkItem(item);
    const again = await ensureWorkItemCreated(client, item);
    expect(again.workItem?.id).toBe(item.id);
    expect(again.outcome).toBe(duplicateCreate === 'conflict' ? 'already-existed' : 'created');
    expect(emulator.state.workItems).toHaveLength(1);
    expect(emulator.duplicates()).toHaveLength(1);
  });

  test.each(['noop', 'conflict'] as const)(
    'a foreign work item with the same id is refused (%s)',
    async (mode) => {
      emulator.setBehaviour({ duplicateCreate: mode });
      const item = newItem();
      await client.createWorkItem(item);
      const error = await caught(ensureWorkItemCreated(client, { ...item, name: 'Someone else' }));
      expect(error).toBeInstanceOf(AdvanceConflictError);
      expect(error.message).toMatch(/different name/);
    },
  );

  test.each([200, 201, 204] as const)('create success status %d', async (createSuccessStatus) => {
    emulator.setBehaviour({ createSuccessStatus });
    const item = newItem();
    const result = await ensureWorkItemCreated(client, item);
    expect(result.outcome).toBe('created');
    if (createSuccessStatus === 204) expect(result.workItem).toBeUndefined();
    else expect(result.workItem?.id).toBe(item.id);
  });

  test.each(['conflict', 'idempotent'] as const)('repeated begin: %s', async (repeatBegin) => {
    emulator.setBehaviour({ repeatBegin });
    const item = newItem();
    await client.createWorkItem(item);
    const versionId = randomUUID();
    const first = await client.beginSession(item.id, versionId);
    const again = await ensureSessionBegun(client, item.id, versionId);
    expect(again.session.coreSessionId).toBe(first.coreSessionId);
    expect(again.outcome).toBe(repeatBegin === 'conflict' ? 'already-in-progress' : 'begun');
    expect(emulator.workItem(item.id)!.versions).toHaveLength(1);
  });

  test.each([409, 400, 423] as const)('session in progress as HTTP %d', async (sessionInProgressStatus) => {
    emulator.setBehaviour({ sessionInProgressStatus });
    const item = newItem();
    await client.createWorkItem(item);
    const mine = randomUUID();
    await client.beginSession(item.id, mine);
    const other = await caught(client.beginSession(item.id, randomUUID()));
    expect(other).toBeInstanceOf(AdvanceConflictError);
    expect((other as AdvanceConflictError).reason).toBe('session-in-progress');
    // ...and the retry-safe helper still recognises our own session.
    await expect(ensureSessionBegun(client, item.id, mine)).resolves.toMatchObject({
      outcome: 'already-in-progress',
    });
    const foreign = await caught(ensureSessionBegun(client, item.id, randomUUID()));
    expect(foreign.message).toContain(`session ${mine} is in progress`);
  });

  test.each([409, 400, 404] as const)('no active session as HTTP %d', async (noActiveSessionStatus) => {
    emulator.setBehaviour({ noActiveSessionStatus });
    const item = newItem();
    await client.createWorkItem(item);
    const versionId = randomUUID();
    await client.beginSession(item.id, versionId);
    await client.completeSession(item.id, { versionId });
    const error = await caught(client.completeSession(item.id, { versionId }));
    expect(error).toBeInstanceOf(AdvanceConflictError);
    expect((error as AdvanceConflictError).reason).toBe('no-active-session');
    await expect(ensureSessionCompleted(client, item.id, versionId)).resolves.toEqual({
      outcome: 'already-completed',
    });
    await expect(ensureSessionSaved(client, item.id, { versionId })).resolves.toEqual({
      outcome: 'nothing-in-progress',
    });
  });

  test('a server that hides the active session: the lost begin is reported as not recoverable', async () => {
    emulator.setBehaviour({ exposeActiveSession: false });
    const item = newItem();
    await client.createWorkItem(item);
    const versionId = randomUUID();
    await client.beginSession(item.id, versionId);
    const error = await caught(ensureSessionBegun(client, item.id, versionId));
    expect(error).toBeInstanceOf(AdvanceSessionNotRecoverableError);
    expect(error.message).toMatch(/save it and begin a new session/);
  });

  test.each(['array', 'wrapped'] as const)('document list shape: %s', async (documentListShape) => {
    emulator.setBehaviour({ documentListShape });
    const item = newItem();
    await client.createWorkItem(item);
    const versionId = randomUUID();
    await client.beginSession(item.id, versionId, { answerXml: ANSWERS });
    await client.completeSession(item.id, { versionId });
    const documents = await client.listDocuments(item.id, { versionId });
    expect(documents.length).toBeGreaterThan(0);
    expect(documents.every((d) => typeof d.sha256 === 'string')).toBe(true);
  });
});

describe('permanent errors', () => {
  test('a Query-scoped API client may not write', async () => {
    await setUp({ scope: 'Query' });
    const error = await caught(client.createWorkItem(newItem()));
    expect(error).toBeInstanceOf(AdvanceForbiddenError);
    expect(error.message).toMatch(/Command or Root scope/);
  });

  test('unknown work item and unknown template package are not-found', async () => {
    await setUp({ templatePackageIds: [randomUUID()] });
    await expect(client.getWorkItem(randomUUID())).rejects.toBeInstanceOf(AdvanceNotFoundError);
    const error = await caught(client.createWorkItem(newItem()));
    expect(error).toBeInstanceOf(AdvanceNotFoundError);
  });

  test('a 400 from Advance is a non-retryable validation error with the server message', async () => {
    await setUp();
    emulator.setFaults({ script: [{ endpoint: 'getWorkItem', fault: 'error', status: 400 }] });
    const error = await caught(client.getWorkItem(randomUUID()));
    expect(error).toBeInstanceOf(AdvanceValidationError);
    expect((error as AdvanceValidationError).retryable).toBe(false);
    expect((error as AdvanceValidationError).serverMessage).toBeDefined();
  });
});

describe('bad input is refused before any request', () => {
  beforeEach(() => setUp());

  const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
    ['malformed work item GUID', () => client.getWorkItem('not-a-guid'), /workItemId is not a GUID/],
    ['empty work item id', () => client.listDocuments(''), /workItemId is required/],
    ['malformed version GUID', () => client.beginSession(randomUUID(), '1234'), /versionId is not a GUID/],
    [
      'missing template package and empty name',
      () =>
        client.createWorkItem({ ...newItem(), templatePackageId: undefined as unknown as string, name: ' ' }),
      /templatePackageId is required/,
    ],
    ['empty name', () => client.createWorkItem({ ...newItem(), name: '  ' }), /name is required/],
    [
      'over-long name',
      () => client.createWorkItem({ ...newItem(), name: 'x'.repeat(256) }),
      /longer than 255/,
    ],
    ['empty document id', () => client.downloadDocument(randomUUID(), ''), /documentId is required/],
  ];

  test.each(cases)('%s', async (_name, call, message) => {
    const error = await caught(call());
    expect(error).toBeInstanceOf(AdvanceValidationError);
    expect(error.message).toMatch(message);
    expect(emulator.requests()).toHaveLength(0);
  });

  test('hostile answer XML (entity expansion) is refused with its position', async () => {
    const bomb =
      '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;">]>\n' +
      '<AnswerSet><Answer name="a"><TextValue>&lol1;</TextValue></Answer></AnswerSet>';
    const error = await caught(client.beginSession(randomUUID(), randomUUID(), { answerXml: bomb }));
    expect(error).toBeInstanceOf(AnswerXmlError);
    expect((error as AnswerXmlError).line).toBe(2);
    expect(error.message).toMatch(/DOCTYPE is not allowed/);
    expect(emulator.requests()).toHaveLength(0);
  });

  test('errors, events and the client itself never carry the password or a token', async () => {
    // Record the bearer tokens actually sent, to look for them afterwards.
    const tokens = new Set<string>();
    const recording: Dispatcher = new Agent().compose((dispatch) => (opts, handler) => {
      const auth = (opts.headers as Record<string, string> | undefined)?.['authorization'];
      if (auth !== undefined) tokens.add(auth.replace(/^Bearer /, ''));
      return dispatch(opts, handler);
    });
    const recorded = new AdvanceClient(
      { baseUrl: emulator.cloud.baseUrl, authUrl: emulator.cloud.authUrl, ...emulator.credentials },
      { dispatcher: recording, onRequest: (event) => events.push(event) },
    );
    const errors = await Promise.all([
      caught(recorded.getWorkItem(randomUUID())),
      caught(recorded.createWorkItem({ ...newItem(), name: '' })),
      caught(recorded.completeSession(randomUUID())),
    ]);
    expect(tokens.size).toBe(1);
    const secrets = [PASSWORD, ...tokens];
    for (const error of errors) expectNoSecrets(error, secrets);
    for (const secret of secrets) {
      expect(JSON.stringify(events)).not.toContain(secret);
      expect(inspect(recorded, { depth: 8 })).not.toContain(secret);
      expect(JSON.stringify(await recorded.acquireToken())).not.toContain(secret);
    }
    await recording.close();
  });
});
