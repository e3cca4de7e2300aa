import { randomUUID } from 'node:crypto';
import {
  AdvanceClient,
  AdvanceConflictError,
  AdvanceNotFoundError,
  AdvanceSessionNotRecoverableError,
  AdvanceTransientError,
  AdvanceUnsupportedError,
  AdvanceValidationError,
  AdvanceVersionNotReadyError,
  CALLBACK_SIGNATURE_HEADER,
  ensureSessionBegun,
  ensureSessionCompleted,
  ensureVersionAssembled,
  ensureVersionCompleted,
  ensureVersionSaved,
  verifyCallbackSignature,
  type VersionStatus,
} from '../../src/advance';
import {
  CALLBACK_SIGNATURE_HEADER as EMULATOR_SIGNATURE_HEADER,
  type RunningEmulator,
} from '../../tools/emulator';
import { CallbackReceiver } from '../support/callback-receiver';
import { caught, clientOnEmulator, newWorkItem as createWorkItem } from '../support/client-on-emulator';

/** The client against the emulator's v2.0 over real sockets: what only v2.0 has. */

const ANSWERS = '<AnswerSet><Answer name="Tenant"><TextValue>Ann Example</TextValue></Answer></AnswerSet>';

let emulator: RunningEmulator;
let client: AdvanceClient;
const receivers: CallbackReceiver[] = [];

async function setUp(...args: Parameters<typeof clientOnEmulator>): Promise<void> {
  ({ emulator, client } = await clientOnEmulator(...args));
}

afterEach(async () => {
  await client?.close();
  await emulator?.close();
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

function newWorkItem(): Promise<string> {
  return createWorkItem(client);
}

async function begun(): Promise<{ id: string; versionId: string }> {
  const id = await newWorkItem();
  const versionId = randomUUID();
  await client.beginSession(id, versionId, { answerXml: ANSWERS });
  return { id, versionId };
}

/** Reads the status until it is no longer completing, as a lifecycle does between its timers. */
async function readUntilSettled(id: string, versionId: string): Promise<VersionStatus> {
  for (let i = 0; i < 300; i += 1) {
    const { status } = await client.readVersionStatus(id, versionId);
    if (status !== 'Completing' && status !== 'PostAssemblyProcessing') return status;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('still completing');
}

const endpoints = () => emulator.requests().map((r) => r.endpoint);

describe('capabilities', () => {
  test('v1.1: no version in Complete, no status, no callbacks, no CreateAndAssemble', async () => {
    await setUp({}, { createAndAssemble: 'on' }, 'v1.1');
    expect(client.apiVersion).toBe('v1.1');
    expect(client.capabilities).toEqual({
      apiVersion: 'v1.1',
      completeNamesVersion: false,
      versionStatus: false,
      createAndAssemble: 'off',
      callbacks: false,
      completeWithoutAssembly: true,
      finishesInterview: false,
      answerSets: false,
    });
  });

  test.each(['auto', 'on', 'off'] as const)('v2.0 with createAndAssemble %s', async (createAndAssemble) => {
    await setUp({}, { createAndAssemble });
    expect(client.capabilities).toEqual({
      apiVersion: 'v2.0',
      completeNamesVersion: true,
      versionStatus: true,
      createAndAssemble,
      callbacks: true,
      completeWithoutAssembly: false,
      finishesInterview: true,
      answerSets: true,
    });
  });

  test('v1.1 refuses the v2.0-only calls before sending anything', async () => {
    await setUp({}, {}, 'v1.1');
    const id = randomUUID();
    const error = await caught(client.readVersionStatus(id, randomUUID()));
    expect(error).toBeInstanceOf(AdvanceUnsupportedError);
    expect(error.message).toMatch(/API v1.1 has no version status call; it needs apiVersion v2.0/);
    await expect(client.listVersions(id)).rejects.toBeInstanceOf(AdvanceUnsupportedError);
    expect(emulator.requests()).toHaveLength(0);
  });
});

describe('reading a version status', () => {
  test.each([
    ['object', 'pascal'],
    ['pascal-object', 'lower'],
    ['string', 'upper'],
  ] as const)('as %s in %s case', async (statusShape, statusCase) => {
    await setUp({ statusShape, statusCase });
    const { id, versionId } = await begun();
    await expect(client.readVersionStatus(id, versionId)).resolves.toEqual({
      versionId,
      status: 'InProgress',
    });
    await client.completeSession(id, { versionId });
    await expect(client.readVersionStatus(id, versionId)).resolves.toMatchObject({ status: 'Completed' });
  });

  test('an unknown version is not-found', async () => {
    await setUp();
    const id = await newWorkItem();
    await expect(client.readVersionStatus(id, randomUUID())).rejects.toBeInstanceOf(AdvanceNotFoundError);
  });

  test.each(['array', 'wrapped'] as const)(
    'listVersions filters by status (%s)',
    async (versionListShape) => {
      await setUp({ versionListShape });
      const { id, versionId } = await begun();
      await ensureVersionSaved(client, id, versionId);
      const second = randomUUID();
      await client.beginSession(id, second);
      expect(await client.listVersions(id)).toEqual([
        { versionId, status: 'Saved' },
        { versionId: second, status: 'InProgress' },
      ]);
      expect(await client.listVersions(id, { status: 'InProgress' })).toEqual([
        { versionId: second, status: 'InProgress' },
      ]);
    },
  );
});

describe('completing a version', () => {
  test('synchronous: completed at once, documents from the version-scoped path', async () => {
    await setUp();
    const { id, versionId } = await begun();
    await expect(ensureVersionCompleted(client, id, versionId)).resolves.toEqual({
      outcome: 'completed',
      status: 'Completed',
    });
    const documents = await client.listDocuments(id, { versionId });
    expect(documents.map((d) => d.versionId)).toEqual([versionId, versionId]);
    expect(endpoints()).toContain('listVersionDocuments');
  });

  test('asynchronous: completing, waited out by reading the status, then the documents', async () => {
    await setUp({ completingMs: 1_500, postProcessingMs: 300, syncThresholdMs: 0 });
    const { id, versionId } = await begun();
    const done = await ensureVersionCompleted(client, id, versionId);
    expect(done).toEqual({
      outcome: 'completing',
      status: 'Completing',
      statusUrl: `${id}/Versions/${versionId}/Status`,
    });
    // Documents are refused until the version reads Completed.
    const early = await caught(client.listDocuments(id, { versionId }));
    expect(early).toBeInstanceOf(AdvanceConflictError);
    expect(await readUntilSettled(id, versionId)).toBe('Completed');
    expect(await client.listDocuments(id, { versionId })).toHaveLength(2);
  });

  test('within the synchronous threshold the answer is already Completed', async () => {
    await setUp({ completingMs: 100, syncThresholdMs: 10_000 });
    const { id, versionId } = await begun();
    await expect(ensureVersionCompleted(client, id, versionId)).resolves.toMatchObject({
      outcome: 'completed',
    });
  });

  test('a 200 without a body is followed by one status read', async () => {
    await setUp({ completeResponseBody: 'empty' });
    const { id, versionId } = await begun();
    const done = await ensureVersionCompleted(client, id, versionId);
    expect(done).toEqual({ outcome: 'completed', status: 'Completed' });
    expect(endpoints().slice(-2)).toEqual(['completeVersion', 'getVersionStatus']);
  });

  test('a 202 without a body reads as Completing, with the Location to poll', async () => {
    await setUp({ completeResponseBody: 'empty', completingMs: 60_000, syncThresholdMs: 0 });
    const { id, versionId } = await begun();
    const done = await ensureVersionCompleted(client, id, versionId);
    expect(done).toMatchObject({ outcome: 'completing', status: 'Completing' });
    expect(done.statusUrl).toMatch(new RegExp(`/WorkItems/${id}/Versions/${versionId}/Status$`));
    expect(endpoints().at(-1)).toBe('completeVersion');
  });

  test.each(['apply-then-error', 'apply-then-reset'] as const)(
    'apply-then-fail (%s): the status read settles it, one completion',
    async (fault) => {
      await setUp();
      const { id, versionId } = await begun();
      emulator.setFaults({ script: [{ endpoint: 'completeVersion', fault }] });
      await expect(ensureVersionCompleted(client, id, versionId)).rejects.toBeInstanceOf(
        AdvanceTransientError,
      );
      expect(emulator.injectedFaults()).toEqual([expect.objectContaining({ kind: fault, applied: true })]);
      await expect(ensureVersionCompleted(client, id, versionId)).resolves.toEqual({
        outcome: 'already-completed',
        status: 'Completed',
      });
      expect(endpoints().slice(-2)).toEqual(['completeVersion', 'getVersionStatus']);
      expect(emulator.workItem(id)?.versions.map((v) => v.status)).toEqual(['Completed']);
    },
  );

  test('apply-then-fail while the version is still completing: the retry says completing', async () => {
    await setUp({ completingMs: 60_000, syncThresholdMs: 0 });
    const { id, versionId } = await begun();
    emulator.setFaults({ script: [{ endpoint: 'completeVersion', fault: 'apply-then-error' }] });
    await expect(ensureVersionCompleted(client, id, versionId)).rejects.toBeInstanceOf(AdvanceTransientError);
    expect(emulator.injectedFaults()).toEqual([expect.objectContaining({ applied: true })]);
    await expect(ensureVersionCompleted(client, id, versionId)).resolves.toEqual({
      outcome: 'completing',
      status: 'Completing',
    });
  });

  test('ensureSessionCompleted waits for Completed: not ready while completing, done after', async () => {
    await setUp({ completingMs: 300, syncThresholdMs: 0 });
    const { id, versionId } = await begun();
    const notReady = await caught(ensureSessionCompleted(client, id, versionId));
    expect(notReady).toBeInstanceOf(AdvanceVersionNotReadyError);
    expect((notReady as AdvanceVersionNotReadyError).retryable).toBe(true);
    expect((notReady as AdvanceVersionNotReadyError).versionStatus).toBe('Completing');
    expect(await readUntilSettled(id, versionId)).toBe('Completed');
    await expect(ensureSessionCompleted(client, id, versionId)).resolves.toEqual({
      outcome: 'already-completed',
    });
  });

  test('a version another request saved cannot be completed: the conflict names its status', async () => {
    await setUp();
    const { id, versionId } = await begun();
    await ensureVersionSaved(client, id, versionId);
    const error = await caught(ensureVersionCompleted(client, id, versionId));
    expect(error).toBeInstanceOf(AdvanceConflictError);
    expect(error.message).toMatch(new RegExp(`version ${versionId} is Saved\\)$`));
  });

  test('runAssembly false is refused on v2.0 before anything is sent', async () => {
    await setUp();
    const id = randomUUID();
    const error = await caught(client.completeSession(id, { versionId: randomUUID(), runAssembly: false }));
    expect(error).toBeInstanceOf(AdvanceValidationError);
    expect(error.message).toMatch(/runAssembly false is not offered by HotDocs Advance API v2.0/);
    expect(emulator.requests()).toHaveLength(0);
  });

  test.each([
    ['complete', () => client.completeSession(randomUUID())],
    ['save', () => client.saveSession(randomUUID())],
  ])('%s without a versionId is refused on v2.0 before anything is sent', async (_name, call) => {
    await setUp();
    const error = await caught(call());
    expect(error).toBeInstanceOf(AdvanceValidationError);
    expect(error.message).toMatch(/versionId is required on HotDocs Advance API v2.0/);
    expect(emulator.requests()).toHaveLength(0);
  });

  test('a callback that is not an absolute URL is refused naming the field', async () => {
    await setUp();
    const error = await caught(
      client.completeSession(randomUUID(), { versionId: randomUUID(), callback: { url: 'hooks/advance' } }),
    );
    expect(error).toBeInstanceOf(AdvanceValidationError);
    expect(error.message).toMatch(/callback\.url must be an absolute http\(s\) URL/);
  });

  test('Complete carries the callback; its signature verifies with the secret', async () => {
    await setUp({ completingMs: 100, syncThresholdMs: 10_000 });
    const receiver = await CallbackReceiver.start();
    receivers.push(receiver);
    const { id, versionId } = await begun();
    const callback = { url: `${receiver.url}/callbacks/one`, secret: 'per-version-secret' };
    await expect(ensureVersionCompleted(client, id, versionId, { callback })).resolves.toMatchObject({
      outcome: 'completing',
    });
    const received = await receiver.next();
    expect(JSON.parse(received.body)).toMatchObject({ versionId, status: 'Completed' });
    expect(CALLBACK_SIGNATURE_HEADER).toBe(EMULATOR_SIGNATURE_HEADER);
    const signature = received.headers[CALLBACK_SIGNATURE_HEADER] as string;
    expect(verifyCallbackSignature(received.body, 'per-version-secret', signature)).toBe(true);
    expect(verifyCallbackSignature(received.body, 'another-secret', signature)).toBe(false);
    expect(verifyCallbackSignature(`${received.body} `, 'per-version-secret', signature)).toBe(false);
    expect(verifyCallbackSignature(received.body, 'per-version-secret', undefined)).toBe(false);
  });

  test('v1.1 leaves a callback out and completes as before', async () => {
    await setUp({}, {}, 'v1.1');
    const { id, versionId } = await begun();
    const done = await ensureVersionCompleted(client, id, versionId, {
      callback: { url: 'http://127.0.0.1:9/never', secret: 'x' },
    });
    expect(done).toEqual({ outcome: 'completed', status: 'Completed' });
    expect(emulator.callbacks()).toEqual([]);
  });
});

describe('saving and resuming on v2.0', () => {
  test('SaveAndClose names the version; a lost begin of ours is found by its status', async () => {
    await setUp({ repeatBegin: 'conflict' });
    const { id, versionId } = await begun();
    const retried = await ensureSessionBegun(client, id, versionId);
    expect(retried.outcome).toBe('already-in-progress');
    expect(retried.session.versionId).toBe(versionId);
    await expect(ensureVersionSaved(client, id, versionId)).resolves.toEqual({ outcome: 'saved' });
    await expect(ensureVersionSaved(client, id, versionId)).resolves.toEqual({
      outcome: 'nothing-in-progress',
    });
    expect(emulator.workItem(id)?.versions[0]).toMatchObject({ status: 'Saved', coreSessionOpen: false });
  });

  test('another version in progress is named, by the filtered list', async () => {
    await setUp();
    const { id, versionId } = await begun();
    const error = await caught(ensureSessionBegun(client, id, randomUUID()));
    expect(error).toBeInstanceOf(AdvanceConflictError);
    expect(error.message).toContain(`(session ${versionId} is in progress)`);
    expect(endpoints()).toContain('listVersions');
  });

  test('a server that hides the in-progress session: not recoverable, resume by saving', async () => {
    await setUp({ exposeActiveSession: false });
    const { id, versionId } = await begun();
    const error = await caught(ensureSessionBegun(client, id, versionId));
    expect(error).toBeInstanceOf(AdvanceSessionNotRecoverableError);
  });
});

describe('CreateAndAssemble', () => {
  test('auto: one call, remembered as available', async () => {
    await setUp();
    const id = await newWorkItem();
    const versionId = randomUUID();
    const done = await ensureVersionAssembled(client, id, versionId, { answerXml: ANSWERS });
    expect(done).toEqual({ outcome: 'completed', status: 'Completed', via: 'create-and-assemble' });
    expect(client.capabilities.createAndAssemble).toBe('on');
    expect(endpoints()).toEqual(['login', 'createWorkItem', 'createAndAssemble']);
    expect(await client.listDocuments(id, { versionId })).toHaveLength(2);
  });

  test.each(['not-found', 'method-not-allowed'] as const)(
    'auto against a server without it (%s): falls back, and remembers it per client',
    async (createAndAssemble) => {
      await setUp({ createAndAssemble });
      const first = await newWorkItem();
      const done = await ensureVersionAssembled(client, first, randomUUID(), { answerXml: ANSWERS });
      expect(done).toMatchObject({ outcome: 'completed', status: 'Completed', via: 'create-then-complete' });
      expect(done.session?.coreSessionId).toBeDefined();
      expect(client.capabilities.createAndAssemble).toBe('off');
      expect(endpoints()).toEqual([
        'login',
        'createWorkItem',
        'createAndAssemble',
        'beginSession',
        'finishInterview',
        'completeVersion',
      ]);

      const second = await newWorkItem();
      await ensureVersionAssembled(client, second, randomUUID());
      expect(endpoints().slice(6)).toEqual([
        'createWorkItem',
        'beginSession',
        'finishInterview',
        'completeVersion',
      ]);
      // A second client of the same tenancy learns it for itself.
      expect(emulator.counts().createAndAssemble.total).toBe(1);
    },
  );

  test.each(['available', 'not-found'] as const)(
    'a 404 for a missing work item is not taken for a missing call (server: %s)',
    async (createAndAssemble) => {
      await setUp({ createAndAssemble });
      // The fallback's create-version meets the same missing work item: nothing is learnt.
      await expect(ensureVersionAssembled(client, randomUUID(), randomUUID())).rejects.toBeInstanceOf(
        AdvanceNotFoundError,
      );
      expect(endpoints()).toEqual(['login', 'createAndAssemble', 'beginSession']);
      expect(client.capabilities.createAndAssemble).toBe('auto');
    },
  );

  test('on: a server without it is an error, not a fallback', async () => {
    await setUp({ createAndAssemble: 'not-found' }, { createAndAssemble: 'on' });
    const id = await newWorkItem();
    await expect(ensureVersionAssembled(client, id, randomUUID())).rejects.toBeInstanceOf(
      AdvanceNotFoundError,
    );
    expect(emulator.workItem(id)?.versions).toEqual([]);
  });

  test('off: create-version and Complete, never the one call', async () => {
    await setUp({}, { createAndAssemble: 'off' });
    const id = await newWorkItem();
    await expect(ensureVersionAssembled(client, id, randomUUID())).resolves.toMatchObject({
      outcome: 'completed',
      via: 'create-then-complete',
    });
    expect(emulator.counts().createAndAssemble.total).toBe(0);
  });

  test('v1.1: begin and CompleteSession', async () => {
    await setUp({}, {}, 'v1.1');
    const id = await newWorkItem();
    await expect(ensureVersionAssembled(client, id, randomUUID())).resolves.toMatchObject({
      outcome: 'completed',
      status: 'Completed',
      via: 'create-then-complete',
    });
    expect(endpoints().slice(-2)).toEqual(['beginSession', 'completeSession']);
  });

  test('its poll URL answer: completing, then Completed by reading the status', async () => {
    await setUp({ completingMs: 300, syncThresholdMs: 0 });
    const id = await newWorkItem();
    const versionId = randomUUID();
    const done = await ensureVersionAssembled(client, id, versionId);
    expect(done).toEqual({
      outcome: 'completing',
      status: 'Completing',
      statusUrl: `${id}/Versions/${versionId}/Status`,
      via: 'create-and-assemble',
    });
    expect(await readUntilSettled(id, versionId)).toBe('Completed');
  });

  test.each(['apply-then-error', 'apply-then-reset'] as const)(
    'apply-then-fail (%s): the retry reads the status, one version',
    async (fault) => {
      await setUp();
      const id = await newWorkItem();
      const versionId = randomUUID();
      emulator.setFaults({ script: [{ endpoint: 'createAndAssemble', fault }] });
      await expect(ensureVersionAssembled(client, id, versionId)).rejects.toBeInstanceOf(
        AdvanceTransientError,
      );
      expect(emulator.injectedFaults()).toEqual([expect.objectContaining({ kind: fault, applied: true })]);
      await expect(ensureVersionAssembled(client, id, versionId)).resolves.toEqual({
        outcome: 'already-completed',
        status: 'Completed',
      });
      expect(emulator.workItem(id)?.versions).toHaveLength(1);
      expect(emulator.duplicates()).toEqual([
        expect.objectContaining({ endpoint: 'createAndAssemble', outcome: 'repeat-rejected' }),
      ]);
    },
  );

  test('repeatCreateAndAssemble "status": the retry is answered with the status itself', async () => {
    await setUp({ repeatCreateAndAssemble: 'status' });
    const id = await newWorkItem();
    const versionId = randomUUID();
    emulator.setFaults({ script: [{ endpoint: 'createAndAssemble', fault: 'apply-then-error' }] });
    await caught(ensureVersionAssembled(client, id, versionId));
    expect(emulator.injectedFaults()).toEqual([expect.objectContaining({ applied: true })]);
    await expect(ensureVersionAssembled(client, id, versionId)).resolves.toMatchObject({
      outcome: 'completed',
      status: 'Completed',
    });
    expect(emulator.workItem(id)?.versions).toHaveLength(1);
  });

  test('fallback interrupted between create and Complete: the retry completes our version', async () => {
    await setUp({ createAndAssemble: 'not-found' });
    const id = await newWorkItem();
    const versionId = randomUUID();
    emulator.setFaults({ script: [{ endpoint: 'completeVersion', fault: 'error' }] });
    await expect(ensureVersionAssembled(client, id, versionId)).rejects.toBeInstanceOf(AdvanceTransientError);
    await expect(ensureVersionAssembled(client, id, versionId)).resolves.toEqual({
      outcome: 'completed',
      status: 'Completed',
    });
    expect(emulator.workItem(id)?.versions.map((v) => v.status)).toEqual(['Completed']);
  });

  test('another version in progress is an error, never forced', async () => {
    await setUp();
    const { id } = await begun();
    const error = await caught(ensureVersionAssembled(client, id, randomUUID()));
    expect(error).toBeInstanceOf(AdvanceConflictError);
    expect((error as AdvanceConflictError).reason).toBe('session-in-progress');
    expect(emulator.workItem(id)?.versions.map((v) => v.status)).toEqual(['InProgress']);
  });
});

describe('documents on a server without version-scoped paths', () => {
  test('the work item paths are used, and remembered', async () => {
    await setUp({ versionScopedDocuments: false });
    const { id, versionId } = await begun();
    await ensureVersionCompleted(client, id, versionId);
    const documents = await client.listDocuments(id, { versionId });
    expect(documents).toHaveLength(2);
    const download = await client.downloadDocument(id, documents[0]!.id, { versionId });
    download.body.resume();
    expect(endpoints().slice(-3)).toEqual(['listVersionDocuments', 'listDocuments', 'downloadDocument']);
  });
});
