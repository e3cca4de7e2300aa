import { createHmac } from 'node:crypto';
import {
  CALLBACK_SIGNATURE_HEADER,
  type EmulatorBehaviour,
  type EmulatorOptions,
} from '../../tools/emulator';
import { CallbackReceiver } from '../support/callback-receiver';
import {
  ANSWER_XML,
  emulatorHarness,
  http,
  newId,
  type HttpResult,
  type TestEmulator,
} from '../support/emulator-harness';

const harness = emulatorHarness();
const receivers: CallbackReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

/** A started emulator, a token, and the v2.0 calls over real HTTP (cloud shape unless asked). */
async function startV2(
  behaviour: Partial<EmulatorBehaviour> = {},
  shape: 'cloud' | 'onPremise' = 'cloud',
  options: EmulatorOptions = {},
) {
  const test = await harness.start({ ...options, behaviour });
  const token = await test.login();
  const base = test.emulator.apis['v2.0'][shape].baseUrl;
  const call = (method: 'GET' | 'PUT', path: string, body?: unknown): Promise<HttpResult> =>
    http(method, `${base}${path}`, { token, ...(body !== undefined && { body }) });
  const item = async (): Promise<string> => {
    const id = newId();
    const created = await call('PUT', `/WorkItems/${id}`, {
      workGroupId: newId(),
      templatePackageId: newId(),
      name: 'Engagement letter',
    });
    expect(created.status).toBe(200);
    return id;
  };
  const begun = async (): Promise<{ id: string; versionId: string }> => {
    const id = await item();
    const versionId = newId();
    expect(
      (await call('PUT', `/WorkItems/${id}/Versions/${versionId}`, { answerXml: ANSWER_XML })).status,
    ).toBe(200);
    return { id, versionId };
  };
  const status = async (id: string, versionId: string): Promise<string> =>
    (await call('GET', `/WorkItems/${id}/Versions/${versionId}/Status`)).json<{ status: string }>().status;
  return { test, token, base, call, item, begun, status };
}

async function receiver(): Promise<CallbackReceiver> {
  const started = await CallbackReceiver.start();
  receivers.push(started);
  return started;
}

/** Reads until the status leaves `from`; a phase here lasts at most a second or two. */
async function statusAfter(read: () => Promise<string>, from: string): Promise<string> {
  for (let i = 0; i < 200; i += 1) {
    const now = await read();
    if (now !== from) return now;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`still ${from}`);
}

/** The callback record once no delivery is pending (the receiver may answer before it is noted). */
async function settledCallbacks(test: TestEmulator) {
  for (let i = 0; i < 200; i += 1) {
    const deliveries = test.emulator.callbacks();
    if (deliveries.every((d) => d.outcome !== 'pending')) return deliveries;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('a callback is still pending');
}

describe('v2.0 paths beside v1.1', () => {
  it.each(['cloud', 'onPremise'] as const)('serves the lifecycle under the %s v2.0 base', async (shape) => {
    const v2 = await startV2({}, shape);
    expect(v2.base).toMatch(shape === 'cloud' ? /\/api\/rest\/v2\.0$/ : /\/HdaApi\/rest\/v2\.0$/);
    const { id, versionId } = await v2.begun();
    expect(await v2.status(id, versionId)).toBe('InProgress');
    const completed = await v2.call('PUT', `/WorkItems/${id}/Versions/${versionId}/Complete`, {});
    expect(completed.status).toBe(200);
    expect(completed.json()).toEqual({ workItemId: id, versionId, status: 'Completed' });
    const documents = await v2.call('GET', `/WorkItems/${id}/Versions/${versionId}/Documents`);
    expect(documents.json<unknown[]>()).toHaveLength(2);
    expect(v2.test.emulator.requests().every((r) => r.endpoint === 'login' || r.api === 'v2.0')).toBe(true);
  });

  it('keeps each protocol to its own calls over one state', async () => {
    const v2 = await startV2();
    const { id, versionId } = await v2.begun();
    // v1.1's CompleteSession does not exist under v2.0, nor v2.0's Complete under v1.1 ...
    expect((await v2.call('PUT', `/WorkItems/${id}/Versions/Active/CompleteSession`, {})).status).toBe(404);
    const v1 = `${v2.test.emulator.apis['v1.1'].cloud.baseUrl}/WorkItems/${id}`;
    expect(
      (await http('PUT', `${v1}/Versions/${versionId}/Complete`, { token: v2.token, body: {} })).status,
    ).toBe(404);
    // ... but a work item created under v2.0 is the same one under v1.1.
    expect(
      (await http('PUT', `${v1}/Versions/Active/CompleteSession`, { token: v2.token, body: {} })).status,
    ).toBe(200);
    expect(await v2.status(id, versionId)).toBe('Completed');
    expect(v2.test.emulator.state.workItems).toHaveLength(1);
  });

  it('lists the v2.0 bases on the control root', async () => {
    const v2 = await startV2();
    const root = (await http('GET', v2.test.control(''))).json<{ v2: { cloud: { baseUrl: string } } }>();
    expect(root.v2.cloud.baseUrl).toBe(v2.base);
  });
});

describe('Complete', () => {
  it('ignores runAssembly (v2.0 lists none) and assembles', async () => {
    const v2 = await startV2();
    const { id, versionId } = await v2.begun();
    await v2.call('PUT', `/WorkItems/${id}/Versions/${versionId}/Complete`, { runAssembly: false });
    expect(v2.test.emulator.workItem(id)?.versions[0]).toMatchObject({
      status: 'Completed',
      assembled: true,
    });
  });

  it('answers Completing with a status URL, then passes through post-assembly processing', async () => {
    const v2 = await startV2({ completingMs: 600, postProcessingMs: 1_500, syncThresholdMs: 0 });
    const { id, versionId } = await v2.begun();
    const answer = await v2.call('PUT', `/WorkItems/${id}/Versions/${versionId}/Complete`, {});
    expect(answer.status).toBe(202);
    expect(answer.json()).toEqual({
      workItemId: id,
      versionId,
      status: 'Completing',
      statusUrl: `${id}/Versions/${versionId}/Status`,
    });
    expect(answer.headers.location).toBe(`${v2.base}/WorkItems/${id}/Versions/${versionId}/Status`);
    const snapshot = v2.test.emulator.workItem(id)?.versions[0];
    expect(snapshot).toMatchObject({ status: 'Completing', coreSessionOpen: false });
    expect(snapshot?.phaseEndsAt).not.toBeNull();
    // Documents wait for Completed.
    expect((await v2.call('GET', `/WorkItems/${id}/Versions/${versionId}/Documents`)).status).toBe(409);
    // The work item is free for the next version at once.
    expect(v2.test.emulator.workItem(id)?.activeVersionId).toBeNull();

    const read = () => v2.status(id, versionId);
    expect(await statusAfter(read, 'Completing')).toBe('PostAssemblyProcessing');
    expect(await statusAfter(read, 'PostAssemblyProcessing')).toBe('Completed');
    expect(v2.test.emulator.workItem(id)?.versions[0]?.completedAt).not.toBeNull();
    expect((await v2.call('GET', `/WorkItems/${id}/Versions/${versionId}/Documents`)).status).toBe(200);
  });

  it('with postProcessingOutcome "failed" reads PostProcessingFailed until its processing runs again', async () => {
    const v2 = await startV2({ postProcessingMs: 200, postProcessingOutcome: 'failed', syncThresholdMs: 0 });
    const { id, versionId } = await v2.begun();
    expect((await v2.call('PUT', `/WorkItems/${id}/Versions/${versionId}/Complete`, {})).status).toBe(202);
    const read = () => v2.status(id, versionId);
    expect(await statusAfter(read, 'PostAssemblyProcessing')).toBe('PostProcessingFailed');
    expect(await read()).toBe('PostProcessingFailed');
    const rerun = `${v2.test.emulator.controlUrl}/work-items/${id}/versions/${versionId}/post-processing/rerun`;
    expect((await http('POST', rerun)).status).toBe(200);
    expect(await read()).toBe('Completed');
    expect(v2.test.emulator.workItem(id)?.versions[0]?.completedAt).not.toBeNull();
    // Only a failed processing runs again.
    expect((await http('POST', rerun)).status).toBe(409);
    expect(v2.test.emulator.rerunPostProcessing(id, versionId)).toBe(false);
  });

  it('waits within the synchronous threshold and answers Completed', async () => {
    const v2 = await startV2({ completingMs: 100, syncThresholdMs: 10_000 });
    const { id, versionId } = await v2.begun();
    const answer = await v2.call('PUT', `/WorkItems/${id}/Versions/${versionId}/Complete`, {});
    expect(answer.status).toBe(200);
    expect(answer.json<{ status: string }>().status).toBe('Completed');
  });

  it('answers a version that is not in progress with noActiveSessionStatus, an unknown one with 404', async () => {
    const v2 = await startV2({ noActiveSessionStatus: 400 });
    const { id, versionId } = await v2.begun();
    await v2.call('PUT', `/WorkItems/${id}/Versions/${versionId}/Complete`, {});
    const again = await v2.call('PUT', `/WorkItems/${id}/Versions/${versionId}/Complete`, {});
    expect(again.status).toBe(400);
    expect(again.json<{ message: string }>().message).toMatch(/not in progress \(it is Completed\)/);
    expect((await v2.call('PUT', `/WorkItems/${id}/Versions/${newId()}/Complete`, {})).status).toBe(404);
  });

  it('calls back with the body signed by callbackSecret once the version is Completed', async () => {
    const v2 = await startV2({ completingMs: 100, syncThresholdMs: 10_000 });
    const callbacks = await receiver();
    const { id, versionId } = await v2.begun();
    const answer = await v2.call('PUT', `/WorkItems/${id}/Versions/${versionId}/Complete`, {
      callbackUrl: `${callbacks.url}/hooks/advance?token=one-time`,
      callbackSecret: 'per-version-secret',
    });
    // With a callback the answer does not wait for the threshold.
    expect(answer.status).toBe(202);
    const received = await callbacks.next();
    expect(received).toMatchObject({ method: 'POST', path: '/hooks/advance?token=one-time' });
    expect(JSON.parse(received.body)).toEqual({
      event: 'VersionCompleted',
      workItemId: id,
      versionId,
      status: 'Completed',
    });
    const expected = `sha256=${createHmac('sha256', 'per-version-secret').update(received.body).digest('hex')}`;
    expect(received.headers[CALLBACK_SIGNATURE_HEADER]).toBe(expected);
    const deliveries = await settledCallbacks(v2.test);
    expect(deliveries).toEqual([
      expect.objectContaining({
        event: 'VersionCompleted',
        url: `${callbacks.url}/hooks/advance`,
        status: 'Completed',
        signed: true,
        outcome: 'delivered',
        httpStatus: 204,
      }),
    ]);
    expect(JSON.stringify(deliveries)).not.toContain('per-version-secret');
    expect(JSON.stringify(deliveries)).not.toContain('one-time');
  });

  it('sends no signature without a secret, and none at all with callbackDelivery "drop"', async () => {
    const v2 = await startV2();
    const callbacks = await receiver();
    const first = await v2.begun();
    await v2.call('PUT', `/WorkItems/${first.id}/Versions/${first.versionId}/Complete`, {
      callbackUrl: callbacks.url,
    });
    expect((await callbacks.next()).headers[CALLBACK_SIGNATURE_HEADER]).toBeUndefined();

    v2.test.emulator.setBehaviour({ callbackDelivery: 'drop' });
    const second = await v2.begun();
    await v2.call('PUT', `/WorkItems/${second.id}/Versions/${second.versionId}/Complete`, {
      callbackUrl: callbacks.url,
    });
    expect((await settledCallbacks(v2.test)).map((c) => c.outcome)).toEqual(['delivered', 'dropped']);
    expect(callbacks.received).toHaveLength(1);
  });

  it('refuses a callbackUrl that is not an absolute http(s) URL', async () => {
    const v2 = await startV2();
    const { id, versionId } = await v2.begun();
    const answer = await v2.call('PUT', `/WorkItems/${id}/Versions/${versionId}/Complete`, {
      callbackUrl: '/relative',
      callbackSecret: 42,
    });
    expect(answer.status).toBe(400);
    expect(answer.json<{ message: string }>().message).toBe(
      'callbackUrl must be an absolute http(s) URL; callbackSecret must be a string',
    );
    expect(await v2.status(id, versionId)).toBe('InProgress');
  });

  it('reset cancels a callback still waiting for its version', async () => {
    const v2 = await startV2({ completingMs: 60_000, syncThresholdMs: 0 });
    const callbacks = await receiver();
    const { id, versionId } = await v2.begun();
    await v2.call('PUT', `/WorkItems/${id}/Versions/${versionId}/Complete`, { callbackUrl: callbacks.url });
    expect(v2.test.emulator.callbacks()).toEqual([expect.objectContaining({ outcome: 'pending' })]);
    v2.test.emulator.reset();
    expect(v2.test.emulator.callbacks()).toEqual([]);
  });
});

describe('SaveAndClose', () => {
  it('saves the named version and ends its Core session', async () => {
    const v2 = await startV2();
    const { id, versionId } = await v2.begun();
    const core = v2.test.emulator.workItem(id)!.versions[0]!.coreSessionId;
    expect((await http('GET', v2.test.control(`/interview/${core}`))).status).toBe(200);
    const saved = await v2.call('PUT', `/WorkItems/${id}/Versions/${versionId}/SaveAndClose`, {});
    expect(saved.status).toBe(200);
    expect(saved.json()).toEqual({ workItemId: id, versionId, status: 'Saved' });
    expect(v2.test.emulator.workItem(id)?.versions[0]).toMatchObject({
      status: 'Saved',
      coreSessionOpen: false,
    });
    expect((await http('GET', v2.test.control(`/interview/${core}`))).status).toBe(404);
    // A new version resumes the saved answers.
    const next = newId();
    await v2.call('PUT', `/WorkItems/${id}/Versions/${next}`, {});
    expect(v2.test.emulator.workItem(id)?.versions[1]?.answers).toEqual({
      'Client Name': 'Ana Lima',
      Fee: '1250',
    });
  });

  it('refuses a version that is not in progress, and calls back when asked', async () => {
    const v2 = await startV2();
    const callbacks = await receiver();
    const { id, versionId } = await v2.begun();
    await v2.call('PUT', `/WorkItems/${id}/Versions/${versionId}/SaveAndClose`, {
      callbackUrl: callbacks.url,
    });
    expect(JSON.parse((await callbacks.next()).body)).toMatchObject({
      event: 'VersionSaved',
      status: 'Saved',
    });
    expect((await v2.call('PUT', `/WorkItems/${id}/Versions/${versionId}/SaveAndClose`, {})).status).toBe(
      409,
    );
    expect((await v2.call('PUT', `/WorkItems/${id}/Versions/${newId()}/SaveAndClose`, {})).status).toBe(404);
  });
});

describe('Status and the filtered list', () => {
  it.each([
    [
      { statusShape: 'object', statusCase: 'pascal' },
      (id: string, v: string) => ({ workItemId: id, versionId: v, status: 'InProgress' }),
    ],
    [
      { statusShape: 'pascal-object', statusCase: 'lower' },
      (id: string, v: string) => ({ WorkItemId: id, VersionId: v, Status: 'inprogress' }),
    ],
    [{ statusShape: 'string', statusCase: 'upper' }, () => 'INPROGRESS'],
  ] as const)('status as %j', async (behaviour, expected) => {
    const v2 = await startV2(behaviour);
    const { id, versionId } = await v2.begun();
    const answer = await v2.call('GET', `/WorkItems/${id}/Versions/${versionId}/Status`);
    expect(answer.json()).toEqual(expected(id, versionId));
  });

  it('404 for a version the work item does not have', async () => {
    const v2 = await startV2();
    const id = await v2.item();
    expect((await v2.call('GET', `/WorkItems/${id}/Versions/${newId()}/Status`)).status).toBe(404);
  });

  it('filters versions by a status named in any case, and rejects an unknown one', async () => {
    const v2 = await startV2({ versionListShape: 'wrapped' });
    const { id, versionId } = await v2.begun();
    await v2.call('PUT', `/WorkItems/${id}/Versions/${versionId}/SaveAndClose`, {});
    const second = newId();
    await v2.call('PUT', `/WorkItems/${id}/Versions/${second}`, {});
    const all = await v2.call('GET', `/WorkItems/${id}/Versions`);
    expect(all.json<{ items: unknown[] }>().items).toHaveLength(2);
    const inProgress = await v2.call('GET', `/WorkItems/${id}/Versions?filter=in%20progress`);
    expect(inProgress.json()).toEqual({
      items: [expect.objectContaining({ versionId: second, status: 'InProgress' })],
    });
    const unknown = await v2.call('GET', `/WorkItems/${id}/Versions?filter=Archived`);
    expect(unknown.status).toBe(400);
    expect(unknown.json<{ message: string }>().message).toMatch(
      /^filter must name a valid status: InProgress, Saved/,
    );
  });
});

describe('CreateAndAssemble', () => {
  const path = (id: string, versionId: string) => `/WorkItems/${id}/Versions/${versionId}/CreateAndAssemble`;

  it('creates and completes the version in one call', async () => {
    const v2 = await startV2();
    const id = await v2.item();
    const versionId = newId();
    const answer = await v2.call('PUT', path(id, versionId), { answerXml: ANSWER_XML });
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ workItemId: id, versionId, status: 'Completed' });
    expect(v2.test.emulator.workItem(id)?.versions).toEqual([
      expect.objectContaining({ versionId, status: 'Completed', assembled: true, coreSessionOpen: false }),
    ]);
    expect(v2.test.emulator.counts().createAndAssemble.total).toBe(1);
    expect(v2.test.emulator.counts().beginSession.total).toBe(0);
  });

  it('beyond the synchronous threshold answers Completing with the status URL to poll', async () => {
    const v2 = await startV2({ completingMs: 1_000, syncThresholdMs: 50 });
    const id = await v2.item();
    const versionId = newId();
    const answer = await v2.call('PUT', path(id, versionId), {});
    expect(answer.status).toBe(202);
    expect(answer.json()).toMatchObject({
      status: 'Completing',
      statusUrl: `${id}/Versions/${versionId}/Status`,
    });
    expect(await statusAfter(() => v2.status(id, versionId), 'Completing')).toBe('Completed');
  });

  it('with a callbackUrl answers at once and calls back', async () => {
    const v2 = await startV2({ completingMs: 100, syncThresholdMs: 10_000 });
    const callbacks = await receiver();
    const id = await v2.item();
    const versionId = newId();
    const answer = await v2.call('PUT', path(id, versionId), {
      callbackUrl: callbacks.url,
      callbackSecret: 's3cret',
    });
    expect(answer.json<{ status: string }>().status).toBe('Completing');
    const received = await callbacks.next();
    expect(JSON.parse(received.body)).toMatchObject({
      event: 'VersionCompleted',
      versionId,
      status: 'Completed',
    });
    expect(received.headers[CALLBACK_SIGNATURE_HEADER]).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it.each([
    ['not-found', 404],
    ['method-not-allowed', 405],
  ] as const)('switched off (%s) answers %d and creates nothing', async (createAndAssemble, status) => {
    const v2 = await startV2({ createAndAssemble });
    const id = await v2.item();
    expect((await v2.call('PUT', path(id, newId()), {})).status).toBe(status);
    expect(v2.test.emulator.workItem(id)?.versions).toEqual([]);
  });

  it('a repeated versionId: 409 by default, its status with repeatCreateAndAssemble "status"', async () => {
    const v2 = await startV2();
    const id = await v2.item();
    const versionId = newId();
    await v2.call('PUT', path(id, versionId), {});
    expect((await v2.call('PUT', path(id, versionId), {})).status).toBe(409);
    v2.test.emulator.setBehaviour({ repeatCreateAndAssemble: 'status' });
    const again = await v2.call('PUT', path(id, versionId), {});
    expect(again.status).toBe(200);
    expect(again.json<{ status: string }>().status).toBe('Completed');
    expect(v2.test.emulator.duplicates().map((d) => [d.endpoint, d.outcome, d.status])).toEqual([
      ['createAndAssemble', 'repeat-rejected', 409],
      ['createAndAssemble', 'repeat-status', 200],
    ]);
    expect(v2.test.emulator.workItem(id)?.versions).toHaveLength(1);
  });

  it('refuses while another version is in progress', async () => {
    const v2 = await startV2({ sessionInProgressStatus: 423 });
    const { id } = await v2.begun();
    const answer = await v2.call('PUT', path(id, newId()), {});
    expect(answer.status).toBe(423);
    expect(v2.test.emulator.duplicates()).toEqual([
      expect.objectContaining({ endpoint: 'createAndAssemble', outcome: 'session-in-progress' }),
    ]);
  });
});

describe('version-scoped documents', () => {
  it('downloads what the version list names', async () => {
    const v2 = await startV2();
    const { id, versionId } = await v2.begun();
    await v2.call('PUT', `/WorkItems/${id}/Versions/${versionId}/Complete`, {});
    const [pdf] = (await v2.call('GET', `/WorkItems/${id}/Versions/${versionId}/Documents`)).json<
      Array<{ id: string; sha256: string }>
    >();
    const content = await v2.call(
      'GET',
      `/WorkItems/${id}/Versions/${versionId}/Documents/${pdf!.id}/Content`,
    );
    expect(content.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(
      (await v2.call('GET', `/WorkItems/${id}/Versions/${newId()}/Documents/${pdf!.id}/Content`)).status,
    ).toBe(404);
  });

  it('are missing with versionScopedDocuments off, while the work item paths serve', async () => {
    const v2 = await startV2({ versionScopedDocuments: false });
    const { id, versionId } = await v2.begun();
    await v2.call('PUT', `/WorkItems/${id}/Versions/${versionId}/Complete`, {});
    expect((await v2.call('GET', `/WorkItems/${id}/Versions/${versionId}/Documents`)).status).toBe(404);
    expect((await v2.call('GET', `/WorkItems/${id}/Documents`)).json<unknown[]>()).toHaveLength(2);
  });

  it('before Completed: an empty list with documentsBeforeCompleted "empty"', async () => {
    const v2 = await startV2({ completingMs: 60_000, syncThresholdMs: 0, documentsBeforeCompleted: 'empty' });
    const { id, versionId } = await v2.begun();
    await v2.call('PUT', `/WorkItems/${id}/Versions/${versionId}/Complete`, {});
    const listed = await v2.call('GET', `/WorkItems/${id}/Versions/${versionId}/Documents`);
    expect(listed.status).toBe(200);
    expect(listed.json()).toEqual([]);
  });
});

describe('faults on the v2.0 endpoints', () => {
  it('apply-then-error on Complete completes the version and is recorded as applied', async () => {
    const v2 = await startV2();
    const { id, versionId } = await v2.begun();
    v2.test.emulator.setFaults({ script: [{ endpoint: 'completeVersion', fault: 'apply-then-error' }] });
    const answer = await v2.call('PUT', `/WorkItems/${id}/Versions/${versionId}/Complete`, {});
    expect(answer.status).toBe(502);
    expect(await v2.status(id, versionId)).toBe('Completed');
    expect(v2.test.emulator.injectedFaults()).toEqual([
      expect.objectContaining({ endpoint: 'completeVersion', kind: 'apply-then-error', applied: true }),
    ]);
  });

  it('rules cover the new endpoint names', async () => {
    const v2 = await startV2();
    const { id, versionId } = await v2.begun();
    v2.test.emulator.setFaults({
      rules: [{ endpoint: 'getVersionStatus', errorRate: 1, errorStatuses: [503] }],
    });
    expect((await v2.call('GET', `/WorkItems/${id}/Versions/${versionId}/Status`)).status).toBe(503);
    expect(v2.test.emulator.counts().getVersionStatus).toEqual({ total: 1, byStatus: { '503': 1 } });
  });

  it('a fault while CreateAndAssemble waits out its threshold still applies the change', async () => {
    const v2 = await startV2({ completingMs: 100, syncThresholdMs: 5_000 });
    const id = await v2.item();
    const versionId = newId();
    v2.test.emulator.setFaults({ script: [{ endpoint: 'createAndAssemble', fault: 'apply-then-reset' }] });
    await expect(
      v2.call('PUT', `/WorkItems/${id}/Versions/${versionId}/CreateAndAssemble`, {}),
    ).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|UND_ERR_SOCKET|EPIPE/) });
    expect(await v2.status(id, versionId)).toBe('Completed');
    expect(v2.test.emulator.counts().createAndAssemble.byStatus).toEqual({ reset: 1 });
  });
});

describe('a completion answered without a body (completeResponseBody "empty")', () => {
  it('still carries the status code and the Location to poll', async () => {
    const v2 = await startV2({ completeResponseBody: 'empty', completingMs: 60_000, syncThresholdMs: 0 });
    const { id, versionId } = await v2.begun();
    const answer = await v2.call('PUT', `/WorkItems/${id}/Versions/${versionId}/Complete`, {});
    expect(answer.status).toBe(202);
    expect(answer.bytes).toHaveLength(0);
    expect(answer.headers.location).toMatch(new RegExp(`/WorkItems/${id}/Versions/${versionId}/Status$`));
  });
});
