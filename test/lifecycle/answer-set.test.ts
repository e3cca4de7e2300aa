import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LifecycleClientError } from '../../src/client';
import { call, createGatewayTestbed, sha256Hex, type GatewayTestbed } from '../support/gateway-harness';
import { historyText } from '../support/history-text';
import { atStage, lifecycleInput } from '../support/lifecycle-harness';
import { PROTOCOL } from '../support/protocol';

/**
 * `storeAnswerSet: true`: on v2.0 the completed version's answer set is stored beside its
 * documents as a document of kind `answers`, downloadable through the gateway with the
 * `documents` permission only, and the answers never enter the lifecycle's history. v1.1 has no
 * answer-set call: such a lifecycle is refused at its start.
 */

const KEY = {
  documents: `docs-${randomBytes(16).toString('hex')}`,
  reader: `reader-${randomBytes(16).toString('hex')}`,
};

let scratch: string;
let bed: GatewayTestbed;
let base: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'answer-set-'));
  const keyFile = path.join(scratch, 'api-keys');
  await writeFile(
    keyFile,
    [
      `office:${sha256Hex(KEY.documents)} tenancies=* permissions=start,read,documents`,
      `reader:${sha256Hex(KEY.reader)} tenancies=* permissions=start,read`,
      '',
    ].join('\n'),
  );
  bed = await createGatewayTestbed({ env: { GATEWAY_API_KEYS: '', GATEWAY_API_KEYS_FILE: keyFile } });
  base = bed.gateway.url;
});

afterAll(async () => {
  await bed?.close();
  await rm(scratch, { recursive: true, force: true });
});

(PROTOCOL === 'v2.0' ? test : test.skip)(
  'v2.0: the answer set is stored as a document of kind answers, downloadable with documents only, absent from history',
  async () => {
    expect.assertions(11);
    // The answers are typed in the interview, inside Advance: they reach the lifecycle only through
    // the answer set, so the history search below can tell whether the answer set entered it.
    const typed = `Zoe ${randomBytes(6).toString('hex')}`;
    const { lifecycleId } = await bed.h.lifecycles.start(lifecycleInput({ storeAnswerSet: true }));
    const waiting = await atStage(bed.h.lifecycles, lifecycleId, 'waiting-for-interview');
    const interview = waiting.activeSession!.interview!;
    const posted = await call(`${bed.h.emulator.controlUrl}/interview/${interview.coreSessionId}/answers`, {
      method: 'POST',
      key: null,
      body: { answers: { Tenant: typed } },
    });
    expect(posted.status).toBe(200);
    await bed.h.lifecycles.completeInterview(lifecycleId);
    const result = await bed.h.lifecycles.result(lifecycleId);
    expect(result.outcome).toBe('completed');
    const documents = result.sessions[0]!.documents;
    const answers = documents.find((document) => document.kind === 'answers');
    expect(answers).toMatchObject({ fileName: 'answers.xml', contentType: 'application/xml' });
    // The assembled documents are there too, without a kind.
    expect(documents.filter((document) => document.kind === undefined).length).toBeGreaterThan(0);

    const assembly = `${base}/v1/assemblies/${encodeURIComponent(lifecycleId)}`;
    const listed = await call(`${assembly}/documents`, { key: KEY.documents });
    expect(listed.json.documents).toContainEqual(
      expect.objectContaining({ documentId: answers!.documentId, kind: 'answers' }),
    );
    const download = await call(`${assembly}/documents/${encodeURIComponent(answers!.documentId)}`, {
      key: KEY.documents,
    });
    expect(download.status).toBe(200);
    expect(download.text).toContain(`<TextValue>${typed}</TextValue>`);
    const refused = await call(`${assembly}/documents/${encodeURIComponent(answers!.documentId)}`, {
      key: KEY.reader,
    });
    expect(refused.status).toBe(403);

    // The answers went from Advance to the store inside the activity: history has none of them.
    const history = await bed.env.client.workflow.getHandle(lifecycleId).fetchHistory();
    // The search reads payloads: the input's own answers are found, the typed answer is not.
    expect(historyText(history)).toContain('Ann Example');
    expect(historyText(history)).not.toContain(typed);
    expect(bed.h.emulator.requests().filter((r) => r.endpoint === 'getAnswerSet')).toHaveLength(1);
  },
);

(PROTOCOL === 'v1.1' ? test : test.skip)(
  'v1.1: a lifecycle asking for the answer set is refused at its start with a typed error',
  async () => {
    expect.assertions(3);
    const { lifecycleId } = await bed.h.lifecycles.start(
      lifecycleInput({ mode: 'batch', storeAnswerSet: true }),
    );
    const failure = await bed.h.lifecycles.result(lifecycleId).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LifecycleClientError);
    expect((failure as LifecycleClientError).message).toMatch(
      /storeAnswerSet: true is not possible on this tenancy: its Advance API \(v1\.1\) has no answer-set call/,
    );
    expect(bed.h.emulator.requests().filter((r) => r.endpoint === 'createWorkItem')).toHaveLength(0);
  },
);
