import type { EmulatorBehaviour } from '../../tools/emulator';
import { mergeAnswers } from '../../tools/emulator/routes/answer-set-routes';
import { parseAnswerXml } from '../../tools/emulator/answers/parse-answer-xml';
import { ANSWER_XML, emulatorHarness, http, newId, type HttpResult } from '../support/emulator-harness';

const harness = emulatorHarness();

const CORRECTED_XML = `<?xml version="1.0" encoding="utf-8"?>
<AnswerSet version="1.1">
  <Answer name="Client Name"><TextValue>Ana Lima Corrected</TextValue></Answer>
  <Answer name="Fee"><NumValue>990</NumValue></Answer>
</AnswerSet>`;

/** An emulator on v2.0 and a work item with one version begun with ANSWER_XML. */
async function begunVersion(behaviour: Partial<EmulatorBehaviour> = {}) {
  const test = await harness.start({ behaviour });
  const token = await test.login();
  const base = test.emulator.apis['v2.0'].cloud.baseUrl;
  const call = (
    method: 'GET' | 'PUT' | 'PATCH',
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<HttpResult> =>
    http(method, `${base}${path}`, {
      token,
      ...(body !== undefined && { body }),
      ...(headers !== undefined && { headers }),
    });
  const id = newId();
  const versionId = newId();
  const created = await call('PUT', `/WorkItems/${id}`, {
    workGroupId: newId(),
    templatePackageId: newId(),
    name: 'Engagement letter',
  });
  expect(created.status).toBe(200);
  expect(
    (await call('PUT', `/WorkItems/${id}/Versions/${versionId}`, { answerXml: ANSWER_XML })).status,
  ).toBe(200);
  const content = `/WorkItems/${id}/AnswerSet/Content`;
  const putXml = (xml: string, method: 'PUT' | 'PATCH' = 'PUT') =>
    call(method, content, xml, { 'content-type': 'application/xml' });
  const complete = () => call('PUT', `/WorkItems/${id}/Versions/${versionId}/Complete`, {});
  return { test, call, id, versionId, content, putXml, complete };
}

describe('v2.0 AnswerSet/Content', () => {
  it("reads the completed version's answers as XML", async () => {
    const v = await begunVersion();
    expect((await v.complete()).status).toBe(200);
    const read = await v.call('GET', v.content);
    expect(read.status).toBe(200);
    expect(String(read.headers['content-type'])).toMatch(/^application\/xml/);
    expect(read.text).toBe(ANSWER_XML);
  });

  it('reads them as a JSON string with answerSetFormat "json"', async () => {
    const v = await begunVersion({ answerSetFormat: 'json' });
    expect((await v.complete()).status).toBe(200);
    const read = await v.call('GET', v.content);
    expect(String(read.headers['content-type'])).toMatch(/^application\/json/);
    expect(read.json<string>()).toBe(ANSWER_XML);
  });

  it('refuses an update while the version is in progress, with answerSetUpdateRefusalStatus', async () => {
    const v = await begunVersion();
    expect((await v.putXml(CORRECTED_XML)).status).toBe(409);
    const v400 = await begunVersion({ answerSetUpdateRefusalStatus: 400 });
    const refused = await v400.putXml(CORRECTED_XML);
    expect(refused.status).toBe(400);
    expect(refused.json<{ message: string }>().message).toMatch(/InProgress/);
  });

  it('replaces the answers of a Completed version with PUT, XML or a JSON string', async () => {
    const v = await begunVersion();
    expect((await v.complete()).status).toBe(200);
    expect((await v.putXml(CORRECTED_XML)).status).toBe(204);
    expect((await v.call('GET', v.content)).text).toBe(CORRECTED_XML);
    expect(v.test.emulator.workItem(v.id)?.versions[0]?.answers).toEqual({
      'Client Name': 'Ana Lima Corrected',
      Fee: '990',
    });
    expect((await v.call('PUT', v.content, JSON.stringify(ANSWER_XML))).status).toBe(204);
    expect((await v.call('GET', v.content)).text).toBe(ANSWER_XML);
  });

  it('merges the answers a PATCH names', async () => {
    const v = await begunVersion();
    expect((await v.complete()).status).toBe(200);
    const patch =
      '<AnswerSet version="1.1"><Answer name="Fee"><NumValue>42</NumValue></Answer>' +
      '<Answer name="Matter"><TextValue>Lease</TextValue></Answer></AnswerSet>';
    expect((await v.putXml(patch, 'PATCH')).status).toBe(204);
    expect(v.test.emulator.workItem(v.id)?.versions[0]?.answers).toEqual({
      'Client Name': 'Ana Lima',
      Fee: '42',
      Matter: 'Lease',
    });
  });

  it('refuses a body that is not an answer set, and an unknown work item', async () => {
    const v = await begunVersion();
    expect((await v.complete()).status).toBe(200);
    expect((await v.putXml('<NotAnswers/>')).status).toBe(400);
    expect((await v.putXml('')).status).toBe(400);
    expect((await v.call('GET', `/WorkItems/${newId()}/AnswerSet/Content`)).status).toBe(404);
  });

  it('a correction of a PostProcessingFailed version shows in the documents of its rerun', async () => {
    const v = await begunVersion({ postProcessingOutcome: 'failed' });
    expect((await v.complete()).status).toBe(200);
    expect(v.test.emulator.workItem(v.id)?.versions[0]?.status).toBe('PostProcessingFailed');
    expect((await v.putXml(CORRECTED_XML)).status).toBe(204);
    expect(v.test.emulator.rerunPostProcessing(v.id, v.versionId)).toBe(true);
    const documents = v.test.emulator.workItem(v.id)?.versions[0]?.documents ?? [];
    const answersDocument = documents.find((document) => document.fileName === 'answers.xml');
    expect(answersDocument).toMatchObject({ name: 'Answers', contentType: 'application/xml' });
    const download = await v.call(
      'GET',
      `/WorkItems/${v.id}/Versions/${v.versionId}/Documents/${answersDocument?.id}/Content`,
    );
    expect(download.text).toBe(CORRECTED_XML);
  });

  it('is faultable like every endpoint', async () => {
    const v = await begunVersion();
    expect((await v.complete()).status).toBe(200);
    v.test.emulator.setFaults({ script: [{ endpoint: 'getAnswerSet', fault: 'error', status: 503 }] });
    expect((await v.call('GET', v.content)).status).toBe(503);
    expect((await v.call('GET', v.content)).status).toBe(200);
  });
});

describe('mergeAnswers', () => {
  it('keeps the order of the base and appends new answers', () => {
    const merged = mergeAnswers(
      parseAnswerXml(ANSWER_XML),
      parseAnswerXml('<AnswerSet><Answer name="Extra"><TFValue>true</TFValue></Answer></AnswerSet>'),
    );
    expect(merged.answers.map((answer) => answer.name)).toEqual(['Client Name', 'Fee', 'Extra']);
  });
});
