import { emulatorHarness, http, newId, type TestEmulator } from '../support/emulator-harness';

const harness = emulatorHarness();

async function startedWithItem(): Promise<{ test: TestEmulator; token: string; id: string }> {
  const test = await harness.start();
  const token = await test.login();
  const id = newId();
  await test.createWorkItem(token, id);
  return { test, token, id };
}

const messageOf = (response: { json<T>(): T }): string => response.json<{ message: string }>().message;

describe('request validation (400s)', () => {
  it('rejects malformed GUIDs in paths, naming the parameter', async () => {
    const { test, token, id } = await startedWithItem();
    const create = await test.createWorkItem(token, 'not-a-guid');
    expect(create.status).toBe(400);
    expect(messageOf(create)).toMatch(/^The work item id must be a GUID/);
    expect((await test.getWorkItem(token, '1234')).status).toBe(400);
    const begin = await test.begin(token, id, 'v1');
    expect(begin.status).toBe(400);
    expect(messageOf(begin)).toMatch(/^The version id must be a GUID/);
    expect(messageOf(await test.download(token, id, 'doc'))).toMatch(/^The document id must be a GUID/);
  });

  it('rejects bad work item fields, naming every one', async () => {
    const test = await harness.start();
    const token = await test.login();
    const bad = await test.createWorkItem(token, newId(), {
      workGroupId: 'wg',
      templatePackageId: '7c1d2e3f-4a5b-4c6d-8e9f-a0b1c2d3e4fZ',
      name: '   ',
      description: 42,
    });
    expect(bad.status).toBe(400);
    const message = messageOf(bad);
    for (const field of ['workGroupId', 'templatePackageId', 'name', 'description'])
      expect(message).toContain(field);

    const missing = await test.call('PUT', `/WorkItems/${newId()}`, token, { name: 'x' });
    expect(messageOf(missing)).toContain('workGroupId is required');

    const long = await test.createWorkItem(token, newId(), { name: 'x'.repeat(256) });
    expect(messageOf(long)).toContain('name must be at most 255 characters');
    expect((await test.createWorkItem(token, newId(), { name: 'x'.repeat(255) })).status).toBe(200);
    expect(test.emulator.state.workItems).toHaveLength(1);
  });

  it('rejects malformed JSON and non-object bodies', async () => {
    const { test, token, id } = await startedWithItem();
    const malformed = await test.call('PUT', `/WorkItems/${newId()}`, token, '{"name": "x",');
    expect(malformed.status).toBe(400);
    expect(messageOf(malformed)).toMatch(/^Malformed JSON body/);
    expect((await test.call('PUT', `/WorkItems/${newId()}`, token, '[1, 2]')).status).toBe(400);
    expect((await test.begin(token, id, newId(), '{oops')).status).toBe(400);
    expect((await test.complete(token, id, 'nope')).status).toBe(400);
    expect((await test.save(token, id)).status).toBe(409);
  });

  it('rejects non-boolean forceCreate and runAssembly', async () => {
    const { test, token, id } = await startedWithItem();
    expect(messageOf(await test.begin(token, id, newId(), { forceCreate: 'yes' }))).toBe(
      'forceCreate must be true or false',
    );
    await test.begin(token, id, newId());
    expect(messageOf(await test.complete(token, id, { runAssembly: 1 }))).toBe(
      'runAssembly must be true or false',
    );
  });

  const hostile: Array<[string, string, RegExp]> = [
    [
      'a DOCTYPE with an external entity (XXE)',
      '<?xml version="1.0"?>\n<!DOCTYPE AnswerSet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<AnswerSet><Answer name="a"><TextValue>&xxe;</TextValue></Answer></AnswerSet>',
      /at 2:\d+: DOCTYPE declarations are not allowed/,
    ],
    [
      'a billion-laughs DOCTYPE',
      '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><AnswerSet/>',
      /DOCTYPE/,
    ],
    [
      'an undefined entity',
      '<AnswerSet><Answer name="a"><TextValue>&secret;</TextValue></Answer></AnswerSet>',
      /at 1:\d+: .*entity/i,
    ],
    ['a wrong root', '<Answers><Answer name="a"><TextValue>x</TextValue></Answer></Answers>', /root element/],
    ['not well formed', '<AnswerSet><Answer name="a"><TextValue>x</Answer></AnswerSet>', /at 1:\d+/],
    ['an Answer without a name', '<AnswerSet><Answer><TextValue>x</TextValue></Answer></AnswerSet>', /name/],
    [
      'an unknown value element',
      '<AnswerSet><Answer name="a"><StringValue>x</StringValue></Answer></AnswerSet>',
      /StringValue/,
    ],
    ['an empty string', '', /AnswerSet|root/],
  ];

  it.each(hostile)('rejects answer XML with %s on create and begin', async (_label, xml, expected) => {
    const { test, token, id } = await startedWithItem();
    const create = await test.createWorkItem(token, newId(), { answerXml: xml });
    expect(create.status).toBe(400);
    expect(messageOf(create)).toMatch(/answerXml is not a valid AnswerSet at \d+:\d+: /);
    expect(messageOf(create)).toMatch(expected);
    const begin = await test.begin(token, id, newId(), { answerXml: xml });
    expect(begin.status).toBe(400);
    expect(messageOf(begin)).toMatch(expected);
    expect(test.emulator.workItem(id)?.versions).toEqual([]);
  });

  it('rejects a non-string answerXml', async () => {
    const { test, token } = await startedWithItem();
    expect(messageOf(await test.createWorkItem(token, newId(), { answerXml: { a: 1 } }))).toContain(
      'answerXml must be a string',
    );
  });

  it('answers unknown routes with a JSON 404', async () => {
    const test = await harness.start();
    const response = await http('GET', `${test.emulator.url}/api/rest/v1.1/Templates`);
    expect(response.status).toBe(404);
    expect(messageOf(response)).toBe('No route for GET /api/rest/v1.1/Templates');
  });
});
