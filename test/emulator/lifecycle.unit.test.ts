import { createHash } from 'node:crypto';
import type { SessionJson, VersionSnapshot, WorkItemJson } from '../../tools/emulator';
import { ANSWER_XML, emulatorHarness, http, newId, type ListedDocument } from '../support/emulator-harness';

const harness = emulatorHarness();

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

const SAVED_ANSWERS = `<AnswerSet version="1.1"><Answer name="Client Name"><TextValue>Saved Person</TextValue></Answer></AnswerSet>`;

describe('the assembly lifecycle state machine', () => {
  it('runs create → get → begin → save → begin (resumes) → complete → list → download', async () => {
    const test = await harness.start();
    const token = await test.login();
    const id = newId();

    const created = await test.createWorkItem(token, id, { answerXml: ANSWER_XML });
    expect(created.status).toBe(200);
    expect(created.json<WorkItemJson>()).toMatchObject({
      id,
      name: 'Engagement letter',
      activeVersionId: null,
    });

    const fetched = await test.getWorkItem(token, id);
    expect(fetched.status).toBe(200);
    expect(fetched.json<WorkItemJson>()).toMatchObject({
      id,
      description: 'Created by a test',
      activeSession: null,
      versions: [],
    });

    // The first session brings its own answers and is saved.
    const first = newId();
    const begun = await test.begin(token, id, first, { answerXml: SAVED_ANSWERS });
    expect(begun.status).toBe(200);
    const session = begun.json<SessionJson>();
    expect(session).toMatchObject({ workItemId: id, versionId: first });
    expect(session.interviewJsUrl).toBe(
      `${test.emulator.url}/__emulator/interview/${session.coreSessionId}/interview.js`,
    );
    expect(session.hdaSessionId).not.toBe(session.coreSessionId);

    const inProgress = (await test.getWorkItem(token, id)).json<WorkItemJson>();
    expect(inProgress.activeVersionId).toBe(first);
    expect(inProgress.activeSession).toEqual({
      versionId: first,
      hdaSessionId: session.hdaSessionId,
      coreSessionId: session.coreSessionId,
      interviewJsUrl: session.interviewJsUrl,
    });

    const saved = await test.save(token, id);
    expect(saved.status).toBe(200);
    expect(saved.json()).toEqual({ versionId: first, status: 'Saved' });

    // Resuming = a new versionId without answerXml: Advance reloads the saved answers.
    const second = newId();
    expect((await test.begin(token, id, second)).status).toBe(200);
    const resumed = test.emulator.workItem(id)?.versions.find((version) => version.versionId === second);
    expect(resumed?.answers).toEqual({ 'Client Name': 'Saved Person' });

    const completed = await test.complete(token, id);
    expect(completed.status).toBe(200);
    expect(completed.json()).toEqual({ versionId: second, status: 'Completed', assembled: true });

    const item = (await test.getWorkItem(token, id)).json<WorkItemJson>();
    expect(item.activeVersionId).toBeNull();
    expect(item.activeSession).toBeNull();
    expect(
      item.versions!.map(({ versionId, status, assembled }) => ({ versionId, status, assembled })),
    ).toEqual([
      { versionId: first, status: 'Saved', assembled: false },
      { versionId: second, status: 'Completed', assembled: true },
    ]);
    expect(item.versions![1]?.completedAt).toEqual(expect.any(String));
    expect(item.versions![0]?.completedAt).toBeNull();

    const listed = await test.listDocuments(token, id);
    expect(listed.status).toBe(200);
    const documents = listed.json<ListedDocument[]>();
    expect(documents.map((document) => [document.fileName, document.contentType])).toEqual([
      ['Engagement-letter.pdf', 'application/pdf'],
      ['answers.xml', 'application/xml'],
    ]);

    for (const document of documents) {
      expect(document.versionId).toBe(second);
      const download = await test.download(token, id, document.id);
      expect(download.status).toBe(200);
      expect(download.headers['content-type']).toBe(document.contentType);
      expect(Number(download.headers['content-length'])).toBe(document.size);
      expect(download.headers['content-disposition']).toBe(`attachment; filename="${document.fileName}"`);
      expect(sha256(download.bytes)).toBe(document.sha256);
    }
    const pdf = await test.download(token, id, documents[0]?.id ?? '');
    expect(pdf.bytes.subarray(0, 8).toString('latin1')).toBe('%PDF-1.4');
    expect(pdf.bytes.toString('latin1')).toContain('(Client Name: Saved Person) Tj');
    const answers = await test.download(token, id, documents[1]?.id ?? '');
    expect(answers.text).toBe(SAVED_ANSWERS);

    // The request log keeps the calls in order, with their ids.
    const log = test.emulator.requests();
    expect(log.map((entry) => [entry.endpoint, entry.status])).toEqual([
      ['login', 200],
      ['createWorkItem', 200],
      ['getWorkItem', 200],
      ['beginSession', 200],
      ['getWorkItem', 200],
      ['saveSession', 200],
      ['beginSession', 200],
      ['completeSession', 200],
      ['getWorkItem', 200],
      ['listDocuments', 200],
      ['downloadDocument', 200],
      ['downloadDocument', 200],
      ['downloadDocument', 200],
      ['downloadDocument', 200],
    ]);
    expect(log.map((entry) => entry.seq)).toEqual(log.map((_entry, index) => index + 1));
    expect(log.find((entry) => entry.endpoint === 'completeSession')).toMatchObject({
      workItemId: id,
      versionId: second,
    });
  });

  it("starts a first session from the work item's answers, or an empty answer set without any", async () => {
    const test = await harness.start();
    const token = await test.login();
    const withAnswers = newId();
    await test.createWorkItem(token, withAnswers, { answerXml: ANSWER_XML });
    await test.begin(token, withAnswers, newId());
    expect(test.emulator.workItem(withAnswers)?.versions[0]?.answers).toEqual({
      'Client Name': 'Ana Lima',
      Fee: '1250',
    });

    const without = newId();
    await test.createWorkItem(token, without);
    await test.begin(token, without, newId(), '');
    const version = test.emulator.workItem(without)?.versions[0] as VersionSnapshot;
    expect(version.answers).toEqual({});
    expect(version.answerXml).toContain('<AnswerSet version="1.1" />');
  });

  it('gives the same answers the same PDF bytes and different answers different ones', async () => {
    const test = await harness.start();
    const token = await test.login();
    const pdfHash = async (answerXml: string): Promise<string> => {
      const id = newId();
      await test.createWorkItem(token, id, { answerXml });
      await test.begin(token, id, newId());
      await test.complete(token, id);
      const documents = (await test.listDocuments(token, id)).json<ListedDocument[]>();
      const pdf = documents.find((document) => document.contentType === 'application/pdf');
      const download = await test.download(token, id, pdf?.id ?? '');
      expect(sha256(download.bytes)).toBe(pdf?.sha256);
      return pdf?.sha256 ?? '';
    };
    const first = await pdfHash(ANSWER_XML);
    const again = await pdfHash(ANSWER_XML);
    const other = await pdfHash(SAVED_ANSWERS);
    expect(again).toBe(first);
    expect(other).not.toBe(first);
  });

  it('rejects a second session while one is in progress, unless forceCreate discards it', async () => {
    const test = await harness.start();
    const token = await test.login();
    const id = newId();
    await test.createWorkItem(token, id);
    const first = newId();
    await test.begin(token, id, first);

    const second = newId();
    const rejected = await test.begin(token, id, second);
    expect(rejected.status).toBe(409);
    expect(rejected.json()).toEqual({
      message: 'An assembly session is already in progress for this work item',
    });

    const forced = await test.begin(token, id, second, { forceCreate: true });
    expect(forced.status).toBe(200);
    const versions = test.emulator.workItem(id)?.versions.map(({ versionId, status }) => [versionId, status]);
    expect(versions).toEqual([
      [first, 'Discarded'],
      [second, 'InProgress'],
    ]);
    expect(test.emulator.duplicates()).toEqual([
      expect.objectContaining({
        endpoint: 'beginSession',
        workItemId: id,
        versionId: second,
        activeVersionId: first,
        outcome: 'session-in-progress',
        status: 409,
      }),
    ]);
  });

  it('answers 409 to a begin reusing a finished versionId and to save/complete without a session', async () => {
    const test = await harness.start();
    const token = await test.login();
    const id = newId();
    await test.createWorkItem(token, id);

    const noSession = { message: 'No assembly session is in progress for this work item' };
    expect((await test.save(token, id)).json()).toEqual(noSession);
    const complete = await test.complete(token, id);
    expect(complete.status).toBe(409);
    expect(complete.json()).toEqual(noSession);

    const versionId = newId();
    await test.begin(token, id, versionId);
    await test.complete(token, id);
    const again = await test.begin(token, id, versionId);
    expect(again.status).toBe(409);
    expect(again.json<{ message: string }>().message).toMatch(/already exists/);
    expect(test.emulator.duplicates().map((record) => record.outcome)).toEqual(['version-exists']);
  });

  it('completes without documents when runAssembly is false and lists the latest assembled version', async () => {
    const test = await harness.start();
    const token = await test.login();
    const id = newId();
    await test.createWorkItem(token, id);

    await test.begin(token, id, newId());
    expect((await test.complete(token, id, { runAssembly: false })).json()).toMatchObject({
      assembled: false,
    });
    expect((await test.listDocuments(token, id)).json()).toEqual([]);

    const assembledVersion = newId();
    await test.begin(token, id, assembledVersion);
    await test.complete(token, id, '');
    await test.begin(token, id, newId());
    await test.complete(token, id, { runAssembly: false });
    const documents = (await test.listDocuments(token, id)).json<ListedDocument[]>();
    expect(documents).toHaveLength(2);
    expect(documents.every((document) => document.versionId === assembledVersion)).toBe(true);
  });

  it('answers 404 for unknown work items and documents', async () => {
    const test = await harness.start();
    const token = await test.login();
    const unknown = newId();
    const notFound = { message: `Work item ${unknown} not found` };
    expect((await test.getWorkItem(token, unknown)).json()).toEqual(notFound);
    for (const response of [
      await test.getWorkItem(token, unknown),
      await test.begin(token, unknown, newId()),
      await test.save(token, unknown),
      await test.complete(token, unknown),
      await test.listDocuments(token, unknown),
      await test.download(token, unknown, newId()),
    ]) {
      expect(response.status).toBe(404);
    }
    const id = newId();
    await test.createWorkItem(token, id);
    const missingDocument = await test.download(token, id, newId());
    expect(missingDocument.status).toBe(404);
    expect(missingDocument.json<{ message: string }>().message).toMatch(/^Document .* not found$/);
  });
});

describe('URL shapes', () => {
  it('serves the on-premise shape with the same handlers and state', async () => {
    const test = await harness.start({}, 'onPremise');
    expect(test.api).toBe(`${test.emulator.url}/HdaApi/rest/v1.1`);
    const token = await test.login();
    const id = newId();
    expect((await test.createWorkItem(token, id)).status).toBe(200);
    const viaCloud = await http('GET', `${test.emulator.cloud.baseUrl}/WorkItems/${id}`, { token });
    expect(viaCloud.status).toBe(200);
  });

  it('matches paths case-insensitively in both shapes', async () => {
    const test = await harness.start();
    const token = await test.login();
    const id = newId();
    const versionId = newId();
    const origin = test.emulator.url;

    expect((await test.createWorkItem(token, id)).status).toBe(200);
    expect((await http('GET', `${origin}/API/REST/V1.1/workitems/${id}`, { token })).status).toBe(200);
    expect(
      (
        await http('PUT', `${origin}/hdaapi/REST/v1.1/WORKITEMS/${id.toUpperCase()}/versions/${versionId}`, {
          token,
        })
      ).status,
    ).toBe(200);
    const saved = await http('PUT', `${origin}/api/rest/v1.1/workitems/${id}/versions/active/savesession`, {
      token,
      body: {},
    });
    expect(saved.json()).toEqual({ versionId, status: 'Saved' });
    await http('PUT', `${origin}/api/rest/v1.1/WorkItems/${id}/Versions/${newId()}`, { token });
    const completed = await http(
      'PUT',
      `${origin}/HDAAPI/rest/V1.1/WorkItems/${id}/VERSIONS/ACTIVE/completeSession`,
      {
        token,
        body: {},
      },
    );
    expect(completed.status).toBe(200);
    const documents = await http('GET', `${origin}/api/rest/v1.1/workitems/${id}/documents`, { token });
    expect(documents.json<ListedDocument[]>()).toHaveLength(2);
  });
});
