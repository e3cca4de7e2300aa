import type { EmulatorBehaviour, SessionJson, WorkItemJson } from '../../tools/emulator';
import { emulatorHarness, http, newId, type TestEmulator } from '../support/emulator-harness';

const harness = emulatorHarness();

async function startWith(
  behaviour: Partial<EmulatorBehaviour>,
): Promise<{ test: TestEmulator; token: string }> {
  const test = await harness.start({ behaviour });
  return { test, token: await test.login() };
}

describe('behaviour switches', () => {
  it('has the documented defaults', async () => {
    const test = await harness.start();
    expect(test.emulator.behaviour()).toEqual({
      createSuccessStatus: 200,
      duplicateCreate: 'conflict',
      repeatBegin: 'conflict',
      sessionInProgressStatus: 409,
      noActiveSessionStatus: 409,
      exposeActiveSession: true,
      exposeVersions: true,
      documentListShape: 'array',
      completingMs: 0,
      postProcessingMs: 0,
      postProcessingOutcome: 'completed',
      syncThresholdMs: 20_000,
      completeResponseBody: 'status',
      statusShape: 'object',
      statusCase: 'pascal',
      versionListShape: 'array',
      createAndAssemble: 'available',
      repeatCreateAndAssemble: 'conflict',
      versionScopedDocuments: true,
      documentsBeforeCompleted: 'conflict',
      callbackDelivery: 'send',
      finishInterviewMethod: 'POST',
      finishInterviewAuth: 'bearer',
      finishInterviewAnswer: 'empty',
      repeatFinishInterview: 'conflict',
      completeUnfinishedInterview: 'allow',
      answerSetFormat: 'xml',
      answerSetUpdateRefusalStatus: 409,
    });
  });

  describe('createSuccessStatus', () => {
    it('200 answers with the work item', async () => {
      const { test, token } = await startWith({ createSuccessStatus: 200 });
      const id = newId();
      const response = await test.createWorkItem(token, id);
      expect(response.status).toBe(200);
      expect(response.json<WorkItemJson>().id).toBe(id);
    });

    it('201 answers with the work item and a Location header', async () => {
      const { test, token } = await startWith({ createSuccessStatus: 201 });
      const id = newId();
      const response = await test.createWorkItem(token, id);
      expect(response.status).toBe(201);
      expect(response.json<WorkItemJson>().id).toBe(id);
      expect(response.headers.location).toBe(`/api/rest/v1.1/WorkItems/${id}`);
    });

    it('204 answers with no body', async () => {
      const { test, token } = await startWith({ createSuccessStatus: 204 });
      const id = newId();
      const response = await test.createWorkItem(token, id);
      expect(response.status).toBe(204);
      expect(response.bytes).toHaveLength(0);
      expect((await test.getWorkItem(token, id)).status).toBe(200);
    });
  });

  describe('duplicateCreate', () => {
    it('conflict answers 409 and leaves the work item alone', async () => {
      const { test, token } = await startWith({ duplicateCreate: 'conflict' });
      const id = newId();
      await test.createWorkItem(token, id);
      const again = await test.createWorkItem(token, id, { name: 'Renamed' });
      expect(again.status).toBe(409);
      expect(again.json<{ message: string }>().message).toMatch(/already exists/);
      expect(test.emulator.workItem(id)?.name).toBe('Engagement letter');
      expect(test.emulator.duplicates()).toEqual([
        expect.objectContaining({
          endpoint: 'createWorkItem',
          workItemId: id,
          outcome: 'conflict',
          status: 409,
        }),
      ]);
    });

    it('noop answers 200 with the existing, unchanged work item', async () => {
      const { test, token } = await startWith({ duplicateCreate: 'noop' });
      const id = newId();
      await test.createWorkItem(token, id);
      const again = await test.createWorkItem(token, id, { name: 'Renamed' });
      expect(again.status).toBe(200);
      expect(again.json<WorkItemJson>().name).toBe('Engagement letter');
      expect(test.emulator.duplicates().map((record) => record.outcome)).toEqual(['noop']);
    });

    it('update answers 200 with the fields updated', async () => {
      const { test, token } = await startWith({ duplicateCreate: 'update' });
      const id = newId();
      await test.createWorkItem(token, id);
      const again = await test.createWorkItem(token, id, { name: 'Renamed', description: 'New' });
      expect(again.status).toBe(200);
      expect(again.json<WorkItemJson>()).toMatchObject({ name: 'Renamed', description: 'New' });
      expect(test.emulator.workItem(id)?.name).toBe('Renamed');
      expect(test.emulator.duplicates().map((record) => record.outcome)).toEqual(['update']);
    });
  });

  describe('repeatBegin', () => {
    it('conflict rejects a begin repeating the in-progress versionId', async () => {
      const { test, token } = await startWith({ repeatBegin: 'conflict', sessionInProgressStatus: 423 });
      const id = newId();
      const versionId = newId();
      await test.createWorkItem(token, id);
      await test.begin(token, id, versionId);
      const again = await test.begin(token, id, versionId);
      expect(again.status).toBe(423);
      expect(test.emulator.duplicates()).toEqual([
        expect.objectContaining({
          versionId,
          activeVersionId: versionId,
          outcome: 'repeat-rejected',
          status: 423,
        }),
      ]);
    });

    it('idempotent answers 200 with the same session data', async () => {
      const { test, token } = await startWith({ repeatBegin: 'idempotent' });
      const id = newId();
      const versionId = newId();
      await test.createWorkItem(token, id);
      const first = (await test.begin(token, id, versionId)).json<SessionJson>();
      const again = await test.begin(token, id, versionId);
      expect(again.status).toBe(200);
      expect(again.json()).toEqual(first);
      expect(test.emulator.workItem(id)?.versions).toHaveLength(1);
      expect(test.emulator.duplicates().map((record) => record.outcome)).toEqual(['repeat-idempotent']);
    });
  });

  it.each([409, 400, 423] as const)(
    'sessionInProgressStatus %i answers a begin beside an active session',
    async (status) => {
      const { test, token } = await startWith({ sessionInProgressStatus: status });
      const id = newId();
      await test.createWorkItem(token, id);
      await test.begin(token, id, newId());
      const response = await test.begin(token, id, newId());
      expect(response.status).toBe(status);
      expect(response.json()).toEqual({
        message: 'An assembly session is already in progress for this work item',
      });
    },
  );

  it.each([409, 400, 404] as const)(
    'noActiveSessionStatus %i answers save and complete without a session',
    async (status) => {
      const { test, token } = await startWith({ noActiveSessionStatus: status });
      const id = newId();
      await test.createWorkItem(token, id);
      for (const response of [await test.save(token, id), await test.complete(token, id)]) {
        expect(response.status).toBe(status);
        expect(response.json()).toEqual({ message: 'No assembly session is in progress for this work item' });
      }
    },
  );

  it.each([true, false])('exposeActiveSession %s shows or omits activeSession', async (expose) => {
    const { test, token } = await startWith({ exposeActiveSession: expose });
    const id = newId();
    await test.createWorkItem(token, id);
    await test.begin(token, id, newId());
    const item = (await test.getWorkItem(token, id)).json<WorkItemJson>();
    expect('activeSession' in item).toBe(expose);
    expect(item.activeVersionId).not.toBeNull();
  });

  it.each([true, false])('exposeVersions %s lists or omits the versions', async (expose) => {
    const { test, token } = await startWith({ exposeVersions: expose });
    const id = newId();
    await test.createWorkItem(token, id);
    await test.begin(token, id, newId());
    const item = (await test.getWorkItem(token, id)).json<WorkItemJson>();
    expect('versions' in item).toBe(expose);
    expect(item.activeVersionId).not.toBeNull();
  });

  it.each(['array', 'wrapped'] as const)('documentListShape %s', async (shape) => {
    const { test, token } = await startWith({ documentListShape: shape });
    const id = newId();
    await test.createWorkItem(token, id);
    const empty = (await test.listDocuments(token, id)).json();
    expect(empty).toEqual(shape === 'array' ? [] : { items: [] });
    await test.begin(token, id, newId());
    await test.complete(token, id);
    const listed = (await test.listDocuments(token, id)).json<unknown[] | { items: unknown[] }>();
    const documents = Array.isArray(listed) ? listed : listed.items;
    expect(Array.isArray(listed)).toBe(shape === 'array');
    expect(documents).toHaveLength(2);
  });

  it('changes at run time over HTTP with a partial merge, and rejects invalid values', async () => {
    const { test, token } = await startWith({});
    const changed = await http('PUT', test.control('/behaviour'), { body: { duplicateCreate: 'noop' } });
    expect(changed.status).toBe(200);
    expect(changed.json()).toMatchObject({ duplicateCreate: 'noop', createSuccessStatus: 200 });
    expect((await http('GET', test.control('/behaviour'))).json()).toMatchObject({ duplicateCreate: 'noop' });

    const id = newId();
    await test.createWorkItem(token, id);
    expect((await test.createWorkItem(token, id)).status).toBe(200);

    const invalid = await http('PUT', test.control('/behaviour'), {
      body: { createSuccessStatus: 202, duplicateCreate: 'maybe', extra: true },
    });
    expect(invalid.status).toBe(400);
    const message = invalid.json<{ message: string }>().message;
    expect(message).toContain('createSuccessStatus');
    expect(message).toContain('duplicateCreate');
    expect(message).toContain('extra');
    expect(test.emulator.behaviour().duplicateCreate).toBe('noop');
  });

  it('changes at run time through setBehaviour()', async () => {
    const { test } = await startWith({});
    expect(test.emulator.setBehaviour({ documentListShape: 'wrapped' }).documentListShape).toBe('wrapped');
    expect(() => test.emulator.setBehaviour({ repeatBegin: 'sometimes' } as never)).toThrow(/repeatBegin/);
  });
});
