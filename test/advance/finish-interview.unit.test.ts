import { randomUUID } from 'node:crypto';
import {
  AdvanceAuthError,
  AdvanceClient,
  AdvanceUnsupportedError,
  AdvanceValidationError,
  ensureInterviewFinished,
  ensureVersionAssembled,
  ensureVersionCompleted,
  type AssemblySession,
} from '../../src/advance';
import { startEmulator, type RunningEmulator } from '../../tools/emulator';
import { clientOnEmulator, newWorkItem as createWorkItem } from '../support/client-on-emulator';

/**
 * v2.0's Core interview finish (`/ipi/session/<coreSessionId>/finishcurrentinterview`) against the
 * emulator over real sockets, for every position of the switches where HotDocs' pages are silent.
 */

let emulator: RunningEmulator;
let client: AdvanceClient;

async function setUp(...args: Parameters<typeof clientOnEmulator>): Promise<void> {
  ({ emulator, client } = await clientOnEmulator(...args));
}

afterEach(async () => {
  await client?.close();
  await emulator?.close();
});

function newWorkItem(): Promise<string> {
  return createWorkItem(client);
}

async function begun(): Promise<{ id: string; versionId: string; session: AssemblySession }> {
  const id = await newWorkItem();
  const versionId = randomUUID();
  const session = await client.beginSession(id, versionId);
  return { id, versionId, session };
}

const finishes = () => emulator.requests().filter((r) => r.endpoint === 'finishInterview');
const finished = (id: string) => emulator.workItem(id)?.versions[0]?.interviewFinished;

describe('finishInterview', () => {
  test('posts to the interviewJsUrl origin with the bearer token; the version reads finished', async () => {
    await setUp();
    const { id, versionId, session } = await begun();
    expect(finished(id)).toBe(false);
    await expect(ensureInterviewFinished(client, session, { workItemId: id, versionId })).resolves.toEqual({
      outcome: 'finished',
    });
    expect(finished(id)).toBe(true);
    expect(finishes()).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: `/ipi/session/${session.coreSessionId}/finishcurrentinterview`,
        status: 204,
        workItemId: id,
        versionId,
      }),
    ]);
  });

  test('finishInterviewAnswer json: a 200 with a body is success too', async () => {
    await setUp({ finishInterviewAnswer: 'json' });
    const { id, session } = await begun();
    await client.finishInterview(session);
    expect(finished(id)).toBe(true);
    expect(finishes().map((r) => r.status)).toEqual([200]);
  });

  test('finishInterviewMethod PUT: a 405 to POST tries PUT once, and PUT is used from then on', async () => {
    await setUp({ finishInterviewMethod: 'PUT' });
    const first = await begun();
    await client.finishInterview(first.session);
    const second = await begun();
    await client.finishInterview(second.session);
    expect(finishes().map((r) => `${r.method} ${r.status}`)).toEqual(['POST 405', 'PUT 204', 'PUT 204']);
    expect(finished(second.id)).toBe(true);
  });

  test.each(['conflict', 'not-found', 'gone', 'ok'] as const)(
    'repeatFinishInterview %s: finishing twice is already-finished (or finished), never a failure',
    async (repeatFinishInterview) => {
      await setUp({ repeatFinishInterview });
      const { id, versionId, session } = await begun();
      await ensureInterviewFinished(client, session);
      const again = await ensureInterviewFinished(client, session, { workItemId: id, versionId });
      expect(again.outcome).toBe(repeatFinishInterview === 'ok' ? 'finished' : 'already-finished');
      expect(finishes().map((r) => r.status)).toEqual([
        204,
        { conflict: 409, 'not-found': 404, gone: 410, ok: 204 }[repeatFinishInterview],
      ]);
    },
  );

  test('a session whose version was completed meanwhile is already-finished', async () => {
    await setUp();
    const { id, versionId, session } = await begun();
    await ensureVersionCompleted(client, id, versionId);
    await expect(ensureInterviewFinished(client, session)).resolves.toMatchObject({
      outcome: 'already-finished',
    });
  });

  test('finishInterviewAuth none: the emulator asks for no token', async () => {
    await setUp({ finishInterviewAuth: 'none' });
    const { id, session } = await begun();
    // An interviewJsUrl on another origin (the same emulator under another host name): no token goes there.
    const elsewhere = session.interviewJsUrl.replace('127.0.0.1', 'localhost');
    await client.finishInterview({ ...session, interviewJsUrl: elsewhere });
    expect(finished(id)).toBe(true);
  });

  test('the bearer token never goes to an interviewJsUrl origin other than the API’s', async () => {
    await setUp({ finishInterviewAuth: 'bearer' });
    const { session } = await begun();
    const elsewhere = session.interviewJsUrl.replace('127.0.0.1', 'localhost');
    const error = await client
      .finishInterview({ ...session, interviewJsUrl: elsewhere })
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(AdvanceAuthError);
    expect(finishes()).toEqual([expect.objectContaining({ status: 401 })]);
  });

  test('coreUrl (ADVANCE_CORE_URL) is trusted with the token and used instead of the interviewJsUrl origin', async () => {
    emulator = await startEmulator();
    const origin = new URL(emulator.url);
    const coreUrl = `${origin.protocol}//localhost:${origin.port}`;
    client = new AdvanceClient({
      baseUrl: emulator.apis['v2.0'].cloud.baseUrl,
      authUrl: emulator.cloud.authUrl,
      ...emulator.credentials,
      apiVersion: 'v2.0',
      coreUrl: `${coreUrl}/`,
    });
    const { id, session } = await begun();
    await client.finishInterview({ ...session, interviewJsUrl: 'https://cas.example.invalid/interview.js' });
    expect(finished(id)).toBe(true);
  });

  test('an interviewJsUrl that is no http(s) URL is refused before anything is sent', async () => {
    await setUp();
    const { session } = await begun();
    const error = await client
      .finishInterview({ ...session, interviewJsUrl: 'javascript:alert(1)' })
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(AdvanceValidationError);
    expect((error as Error).message).toMatch(/ADVANCE_CORE_URL/);
    expect(finishes()).toEqual([]);
  });

  test('v1.1 has no finish step', async () => {
    await setUp({}, {}, 'v1.1');
    await expect(
      client.finishInterview({ coreSessionId: randomUUID(), interviewJsUrl: emulator.url }),
    ).rejects.toBeInstanceOf(AdvanceUnsupportedError);
  });
});

describe('completeUnfinishedInterview', () => {
  test('refuse: Complete of an unfinished interview is a conflict; finished first, it completes', async () => {
    await setUp({ completeUnfinishedInterview: 'refuse' });
    const { id, versionId, session } = await begun();
    const refused: unknown = await ensureVersionCompleted(client, id, versionId).catch((e: Error) => e);
    expect((refused as Error).message).toMatch(/has not been finished/);
    expect(emulator.workItem(id)?.versions[0]?.status).toBe('InProgress');
    await ensureInterviewFinished(client, session);
    await expect(ensureVersionCompleted(client, id, versionId)).resolves.toMatchObject({
      outcome: 'completed',
    });
  });

  test('refuse: CreateAndAssemble (no interview) is not affected, nor is its create-then-complete fallback', async () => {
    await setUp({ completeUnfinishedInterview: 'refuse', createAndAssemble: 'not-found' });
    const id = await newWorkItem();
    const answer = await client.createAndAssemble(id, randomUUID());
    expect(answer).toMatchObject({ via: 'create-then-complete', status: 'Completed' });
    expect(finishes()).toHaveLength(1);
  });

  test('refuse: a repeat that finds the version an earlier attempt created finishes its interview, then completes', async () => {
    await setUp({ completeUnfinishedInterview: 'refuse', createAndAssemble: 'not-found' });
    const id = await newWorkItem();
    const versionId = randomUUID();
    // The fallback's create-version is applied, but its answer is lost: the version is in progress.
    emulator.setFaults({ script: [{ endpoint: 'beginSession', fault: 'apply-then-error', status: 502 }] });
    await expect(ensureVersionAssembled(client, id, versionId)).rejects.toThrow(/502/);
    expect(emulator.workItem(id)?.versions[0]?.status).toBe('InProgress');
    await expect(ensureVersionAssembled(client, id, versionId)).resolves.toMatchObject({
      outcome: 'completed',
    });
    expect(finishes()).toHaveLength(1);
    expect(emulator.workItem(id)?.versions[0]).toMatchObject({
      status: 'Completed',
      interviewFinished: true,
    });
  });
});
