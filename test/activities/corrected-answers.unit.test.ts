import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/activity';
import { readCorrectedAnswers } from '../../src/activities/document-activities';
import { FileSystemDocumentStore } from '../../src/documents/filesystem-store';

/**
 * What the lifecycle's `correctAnswerSet` activity accepts from the document store before it
 * puts corrected answers in Advance: only this version's document, with the checksum the repair
 * names, and answer XML that passes the usual check. Every refusal is final (not retried).
 */

const WORK_ITEM = '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11';
const VERSION = '0f2a7d6c-58e4-4a9b-8f3e-2b9d6c1e7a22';
const XML = '<AnswerSet><Answer name="Tenant"><TextValue>Zed</TextValue></Answer></AnswerSet>';

let root: string;
let store: FileSystemDocumentStore;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'corrected-answers-'));
  store = new FileSystemDocumentStore(root);
});

afterAll(() => rm(root, { recursive: true, force: true }));

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function stored(text: string, versionId = VERSION) {
  const saved = await store.put(
    { workItemId: WORK_ITEM, versionId, documentId: `c-${sha256(text).slice(0, 8)}`, fileName: 'a.xml' },
    Readable.from([Buffer.from(text)]),
    { contentType: 'application/xml' },
  );
  return {
    tenancy: 'default',
    workItemId: WORK_ITEM,
    versionId: VERSION,
    reference: saved.reference,
    sha256: saved.sha256,
  };
}

async function refusal(args: Parameters<typeof readCorrectedAnswers>[1]): Promise<ApplicationFailure> {
  const error = await readCorrectedAnswers(store, args).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  expect(error).toMatchObject({ type: 'CorrectedAnswersRefused', nonRetryable: true });
  return error as ApplicationFailure;
}

test("this version's answers, with their checksum, are read", async () => {
  await expect(readCorrectedAnswers(store, await stored(XML))).resolves.toBe(XML);
});

test('a document of another version is refused before it is read', async () => {
  expect.assertions(3);
  const other = await stored(XML, '11111111-2222-4333-8444-555555555555');
  expect((await refusal(other)).message).toMatch(/not stored under work item .*, version /);
});

test('bytes that do not match the checksum are refused', async () => {
  expect.assertions(3);
  const args = await stored(XML);
  expect((await refusal({ ...args, sha256: sha256('other') })).message).toMatch(/its SHA-256 is not/);
});

test('answer XML that fails the check is refused, a DTD included', async () => {
  expect.assertions(6);
  const dtd = '<!DOCTYPE AnswerSet [<!ENTITY x "y">]><AnswerSet/>';
  expect((await refusal(await stored(dtd))).message).toMatch(/DOCTYPE is not allowed/);
  expect((await refusal(await stored('<NotAnswers/>'))).message).toMatch(/AnswerSet/);
});

test('a reference with nothing behind it is refused', async () => {
  expect.assertions(3);
  const args = await stored(XML);
  const missing = { ...args, reference: args.reference.replace(/c-[0-9a-f]{8}-a\.xml$/, 'c-00000000-a.xml') };
  expect((await refusal(missing)).message).toMatch(/corrected answers/);
});
