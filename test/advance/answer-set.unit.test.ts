import { randomUUID } from 'node:crypto';
import {
  AdvanceClient,
  AdvanceConflictError,
  AdvanceUnsupportedError,
  AdvanceValidationError,
  AnswerXmlError,
} from '../../src/advance';
import type { RunningEmulator } from '../../tools/emulator';
import { caught, clientOnEmulator, newWorkItem } from '../support/client-on-emulator';

/** The client's answer-set calls against the emulator over real sockets. */

const ANSWERS = '<AnswerSet><Answer name="Tenant"><TextValue>Ann Example</TextValue></Answer></AnswerSet>';
const CORRECTED =
  '<AnswerSet><Answer name="Tenant"><TextValue>Ann Corrected</TextValue></Answer></AnswerSet>';

let emulator: RunningEmulator;
let client: AdvanceClient;

async function setUp(...args: Parameters<typeof clientOnEmulator>): Promise<void> {
  ({ emulator, client } = await clientOnEmulator(...args));
}

afterEach(async () => {
  await client?.close();
  await emulator?.close();
});

async function completedVersion(): Promise<{ id: string; versionId: string }> {
  const id = await newWorkItem(client);
  const versionId = randomUUID();
  await client.beginSession(id, versionId, { answerXml: ANSWERS });
  await client.completeSession(id, { versionId });
  return { id, versionId };
}

describe('answerSets.read', () => {
  it.each(['xml', 'json'] as const)('reads the answer XML sent as %s', async (answerSetFormat) => {
    await setUp({ answerSetFormat });
    const { id } = await completedVersion();
    await expect(client.answerSets.read(id)).resolves.toBe(ANSWERS);
  });

  it('refuses an answer set beyond the size limit, as it refuses answers it sends', async () => {
    await setUp();
    const { id } = await completedVersion();
    const small = new AdvanceClient({
      baseUrl: emulator.apis['v2.0'].cloud.baseUrl,
      authUrl: emulator.cloud.authUrl,
      ...emulator.credentials,
      apiVersion: 'v2.0',
      maxAnswerXmlBytes: 40,
    });
    try {
      const error = await caught(small.answerSets.read(id));
      expect(error).toBeInstanceOf(AnswerXmlError);
      expect(error.message).toMatch(/exceeds/);
    } finally {
      await small.close();
    }
  });

  it('is refused before anything is sent on v1.1', async () => {
    await setUp({}, {}, 'v1.1');
    expect(await caught(client.answerSets.read(randomUUID()))).toBeInstanceOf(AdvanceUnsupportedError);
    expect(emulator.requests().filter((entry) => entry.endpoint !== 'login')).toEqual([]);
  });
});

describe('answerSets.replace', () => {
  it('puts the answers of a Completed version, and again the same on a repeat', async () => {
    await setUp();
    const { id } = await completedVersion();
    await client.answerSets.replace(id, CORRECTED);
    await client.answerSets.replace(id, CORRECTED);
    await expect(client.answerSets.read(id)).resolves.toBe(CORRECTED);
    expect(emulator.workItem(id)?.versions[0]?.answers).toEqual({ Tenant: 'Ann Corrected' });
  });

  it('is a conflict while the version is in progress', async () => {
    await setUp();
    const id = await newWorkItem(client);
    await client.beginSession(id, randomUUID(), { answerXml: ANSWERS });
    const error = await caught(client.answerSets.replace(id, CORRECTED));
    expect(error).toBeInstanceOf(AdvanceConflictError);
    expect(error.message).toMatch(/InProgress/);
  });

  it('is a validation error with answerSetUpdateRefusalStatus 400', async () => {
    await setUp({ answerSetUpdateRefusalStatus: 400 });
    const id = await newWorkItem(client);
    await client.beginSession(id, randomUUID(), { answerXml: ANSWERS });
    expect(await caught(client.answerSets.replace(id, CORRECTED))).toBeInstanceOf(AdvanceValidationError);
  });

  it('checks the XML before sending it', async () => {
    await setUp();
    const { id } = await completedVersion();
    expect(await caught(client.answerSets.replace(id, '<!DOCTYPE x><AnswerSet/>'))).toBeInstanceOf(
      AnswerXmlError,
    );
    expect(emulator.requests().filter((entry) => entry.endpoint === 'putAnswerSet')).toEqual([]);
  });
});
