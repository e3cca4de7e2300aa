import { Agent } from 'undici';
import { EmulatorOptionsError, startEmulator, type EmulatorStateSnapshot } from '../../tools/emulator';
import {
  ANSWER_XML,
  emulatorHarness,
  http,
  newId,
  TEMPLATE_PACKAGE_ID,
  WORK_GROUP_ID,
  type ListedDocument,
} from '../support/emulator-harness';

const harness = emulatorHarness();

describe('inspection and control endpoints', () => {
  it('answers health and an index of the URLs', async () => {
    const test = await harness.start();
    expect((await http('GET', test.control('/health'))).json()).toEqual({ status: 'ok' });
    const index = (await http('GET', `${test.emulator.url}/__emulator`)).json<{
      cloud: unknown;
      onPremise: unknown;
    }>();
    expect(index.cloud).toEqual(test.emulator.cloud);
    expect(index.onPremise).toEqual(test.emulator.onPremise);
  });

  it('shows state with versions and document metadata, never tokens or passwords', async () => {
    const test = await harness.start({ principalPassword: 'do-not-leak-me' });
    const token = await test.login();
    const id = newId();
    const versionId = newId();
    await test.createWorkItem(token, id, { answerXml: ANSWER_XML });
    await test.begin(token, id, versionId);
    await test.complete(token, id);

    const response = await http('GET', test.control('/state'));
    const state = response.json<EmulatorStateSnapshot>();
    expect(state).toEqual(JSON.parse(JSON.stringify(test.emulator.state)));
    expect(state.workItems).toHaveLength(1);
    const version = state.workItems[0]?.versions[0];
    expect(version).toMatchObject({ versionId, status: 'Completed', assembled: true });
    expect(version?.answers).toEqual({ 'Client Name': 'Ana Lima', Fee: '1250' });
    expect(version?.documents.map((document) => document.fileName)).toEqual([
      'Engagement-letter.pdf',
      'answers.xml',
    ]);
    expect(response.text).not.toContain('do-not-leak-me');
    expect(response.text).not.toContain(token);

    const pdf = version?.documents[0] as ListedDocument;
    expect(test.emulator.documentContent(id, pdf.id)?.length).toBe(pdf.size);
    expect(test.emulator.documentContent(id, newId())).toBeUndefined();
  });

  it('logs requests in order, counts them by status, and tallies logins', async () => {
    const test = await harness.start();
    await test.loginRequest({ ...test.credentialsBody(), PrincipalPassword: 'wrong' });
    const token = await test.login();
    const id = newId();
    await test.getWorkItem(token, id);
    await test.createWorkItem(token, id);
    await test.getWorkItem(token, id);

    const requests = (await http('GET', test.control('/requests'))).json<Array<Record<string, unknown>>>();
    expect(requests.map(({ seq, endpoint, method, status }) => ({ seq, endpoint, method, status }))).toEqual([
      { seq: 1, endpoint: 'login', method: 'POST', status: 401 },
      { seq: 2, endpoint: 'login', method: 'POST', status: 200 },
      { seq: 3, endpoint: 'getWorkItem', method: 'GET', status: 404 },
      { seq: 4, endpoint: 'createWorkItem', method: 'PUT', status: 200 },
      { seq: 5, endpoint: 'getWorkItem', method: 'GET', status: 200 },
    ]);
    expect(requests[3]).toMatchObject({
      workItemId: id,
      api: 'v1.1',
      path: `/api/rest/v1.1/WorkItems/${id}`,
    });
    expect(requests[0]?.['api']).toBeUndefined();
    expect(new Date(String(requests[0]?.at)).getTime()).not.toBeNaN();

    const counts = (await http('GET', test.control('/counts'))).json<Record<string, unknown>>();
    expect(counts).toMatchObject({
      login: { total: 2, byStatus: { '200': 1, '401': 1 } },
      getWorkItem: { total: 2, byStatus: { '200': 1, '404': 1 } },
      createWorkItem: { total: 1, byStatus: { '200': 1 } },
      beginSession: { total: 0, byStatus: {} },
    });
    expect(Object.keys(counts).sort()).toEqual(
      [
        'beginSession',
        'completeSession',
        'createWorkItem',
        'downloadDocument',
        'getWorkItem',
        'listDocuments',
        'login',
        'saveSession',
        'completeVersion',
        'saveAndCloseVersion',
        'getVersionStatus',
        'listVersions',
        'createAndAssemble',
        'listVersionDocuments',
        'downloadVersionDocument',
        'finishInterview',
        'getAnswerSet',
        'putAnswerSet',
        'patchAnswerSet',
      ].sort(),
    );
    expect((await http('GET', test.control('/logins'))).json()).toEqual({
      total: 2,
      succeeded: 1,
      failed: 1,
    });
  });

  it('lists duplicate creates and begins', async () => {
    const test = await harness.start();
    const token = await test.login();
    const id = newId();
    await test.createWorkItem(token, id);
    await test.createWorkItem(token, id);
    await test.begin(token, id, newId());
    await test.begin(token, id, newId());
    const duplicates = (await http('GET', test.control('/duplicates'))).json<Array<{ endpoint: string }>>();
    expect(duplicates.map((record) => record.endpoint)).toEqual(['createWorkItem', 'beginSession']);
  });

  it('resets state, counters, logs, faults and tokens but keeps the options', async () => {
    const test = await harness.start({ principalPassword: 'kept', behaviour: { duplicateCreate: 'noop' } });
    const token = await test.login();
    await test.createWorkItem(token, newId());
    test.emulator.setFaults({ script: [{ endpoint: 'getWorkItem', fault: 'error' }] });
    test.emulator.setBehaviour({ documentListShape: 'wrapped' });

    expect((await http('POST', test.control('/reset'))).status).toBe(200);

    expect(test.emulator.state.workItems).toEqual([]);
    expect(test.emulator.requests()).toEqual([]);
    expect(test.emulator.logins()).toEqual({ total: 0, succeeded: 0, failed: 0 });
    expect(test.emulator.counts().login.total).toBe(0);
    expect(test.emulator.faults().script).toEqual([]);
    expect(test.emulator.behaviour()).toMatchObject({ duplicateCreate: 'noop', documentListShape: 'array' });
    expect((await test.getWorkItem(token, newId())).status).toBe(401);
    const fresh = await test.login();
    expect((await test.getWorkItem(fresh, newId())).status).toBe(404);
    expect(test.emulator.requests()[0]?.seq).toBe(1);
  });
});

describe('options', () => {
  it('rejects unknown keys and invalid values, listing every problem', async () => {
    const attempt = startEmulator({ port: 70_000, scope: 'Admin', colour: 'blue' } as never);
    await expect(attempt).rejects.toBeInstanceOf(EmulatorOptionsError);
    await expect(attempt).rejects.toThrow(/port[\s\S]*scope[\s\S]*colour/);
  });

  it('exposes URLs and credentials', async () => {
    const test = await harness.start({ clientName: 'c', principalName: 'p', principalPassword: 'pw' });
    const { url, cloud, onPremise, credentials } = test.emulator;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cloud).toEqual({ baseUrl: `${url}/api/rest/v1.1`, authUrl: `${url}/auth` });
    expect(onPremise).toEqual({ baseUrl: `${url}/HdaApi/rest/v1.1`, authUrl: `${url}/HdaAuth` });
    expect(credentials).toEqual({ clientName: 'c', principalName: 'p', principalPassword: 'pw' });
  });

  it('uses publicUrl in generated links', async () => {
    const test = await harness.start({ publicUrl: 'https://advance.example.test/' });
    const token = await test.login();
    const id = newId();
    await test.createWorkItem(token, id);
    const session = (await test.begin(token, id, newId())).json<{
      interviewJsUrl: string;
      coreSessionId: string;
    }>();
    expect(session.interviewJsUrl).toBe(
      `https://advance.example.test/__emulator/interview/${session.coreSessionId}/interview.js`,
    );
  });

  it('answers 404 for work groups and template packages outside the allow-lists', async () => {
    const test = await harness.start({
      workGroupIds: [WORK_GROUP_ID],
      templatePackageIds: [TEMPLATE_PACKAGE_ID],
    });
    const token = await test.login();
    expect((await test.createWorkItem(token, newId())).status).toBe(200);
    const otherGroup = await test.createWorkItem(token, newId(), { workGroupId: newId() });
    expect(otherGroup.status).toBe(404);
    expect(otherGroup.json<{ message: string }>().message).toMatch(/^Work group .* not found$/);
    const otherPackage = await test.createWorkItem(token, newId(), { templatePackageId: newId() });
    expect(otherPackage.status).toBe(404);
    expect(otherPackage.json<{ message: string }>().message).toMatch(/^Template package .* not found$/);
  });

  it('passes one line per request to the logger', async () => {
    const lines: string[] = [];
    const test = await harness.start({ logger: (line) => lines.push(line) });
    await test.login();
    expect(lines).toEqual(['POST /auth/Authorize/ServicePrincipalLogIn login -> 200']);
  });
});

describe('close()', () => {
  it('closes promptly with an idle keep-alive connection open', async () => {
    const emulator = await startEmulator();
    const agent = new Agent({ keepAliveTimeout: 60_000 });
    try {
      const response = await http('GET', `${emulator.url}/__emulator/health`, { dispatcher: agent });
      expect(response.headers.connection).toBe('keep-alive');
      await emulator.close();
      await emulator.close(); // idempotent
      await expect(
        http('GET', `${emulator.url}/__emulator/health`, { dispatcher: agent }),
      ).rejects.toMatchObject({
        code: 'ECONNREFUSED',
      });
    } finally {
      await agent.close();
    }
  });

  it('drops requests still waiting on injected latency', async () => {
    const emulator = await startEmulator({
      faults: { script: [{ endpoint: 'login', fault: 'latency', latencyMs: 60_000 }] },
    });
    const pending = http('POST', `${emulator.cloud.authUrl}/Authorize/ServicePrincipalLogIn`, { body: {} });
    while (emulator.requests().length === 0) await new Promise((resolve) => setImmediate(resolve));
    await emulator.close();
    await expect(pending).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNRESET|UND_ERR_SOCKET|EPIPE/),
    });
  });
});
