import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SessionJson, WorkItemJson } from '../../tools/emulator';
import { ANSWER_XML, emulatorHarness, http, newId, type ListedDocument } from '../support/emulator-harness';

/**
 * With a state file the emulator outlives a restart (npm run dev after Ctrl-C): the work items,
 * the sessions in progress and the documents are there again, on the same port.
 */
const harness = emulatorHarness();
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'emulator-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a restarted emulator knows the work items, the session in progress and the documents', async () => {
  expect.assertions(9);
  const stateFile = path.join(dir, 'emulator-state.json');
  const first = await harness.start({ stateFile });
  const port = Number(new URL(first.emulator.url).port);
  const id = newId();
  const done = newId();
  const waiting = newId();
  let token = await first.login();
  await first.createWorkItem(token, id, { answerXml: ANSWER_XML });
  await first.begin(token, id, done);
  await first.complete(token, id);
  const documents = (await first.listDocuments(token, id)).json<ListedDocument[]>();
  const session = (await first.begin(token, id, waiting)).json<SessionJson>();
  await first.emulator.close();
  expect(JSON.parse(await readFile(stateFile, 'utf8'))).toMatchObject({ version: 1 });

  const second = await harness.start({ stateFile, port });
  token = await second.login();
  const item = (await second.getWorkItem(token, id)).json<WorkItemJson>();
  expect(item.activeVersionId).toBe(waiting);
  expect(item.activeSession?.coreSessionId).toBe(session.coreSessionId);
  // The interview page of the waiting session still opens, and the session still completes.
  const page = await http('GET', `${second.emulator.url}/__emulator/interview/${session.coreSessionId}`);
  expect(page.status).toBe(200);
  const document = documents[0]!;
  const download = await second.download(token, id, document.id);
  expect(download.status).toBe(200);
  expect(download.bytes.length).toBe(document.size);
  expect((await second.complete(token, id)).status).toBe(200);
  expect(second.emulator.state.workItems).toHaveLength(1);
  // Creating it again is the duplicate it would be on the same server.
  expect((await second.createWorkItem(token, id)).status).toBe(409);
});

test('without a state file nothing is written and a new emulator starts empty', async () => {
  const emulator = await harness.start();
  const token = await emulator.login();
  await emulator.createWorkItem(token, newId());
  await emulator.emulator.close();
  const again = await harness.start();
  expect(again.emulator.state.workItems).toEqual([]);
});
