import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { atStage, lifecycleInput } from '../support/lifecycle-harness';
import { call, KEYS, startTestGateway } from '../support/gateway-harness';
import { gatewayTestbed } from '../support/testbed';

/**
 * The document routes over real HTTP, with the filesystem store the in-process worker writes to:
 * the list, whole and ranged downloads, conditional requests, and every refusal.
 */

let base: string;

interface ListedDocument {
  documentId: string;
  versionId: string;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
  href: string;
}

/** A closed lifecycle with two batch sessions, two documents each. */
let lifecycle: { id: string; workItemId: string; documents: ListedDocument[] };

const assembly = (id: string, rest = '') => `${base}/v1/assemblies/${encodeURIComponent(id)}${rest}`;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** GET with the ops key; the body as bytes. */
async function download(url: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') {
  const answer = await request(url, { method, headers: { authorization: `Bearer ${KEYS.ops}`, ...headers } });
  const bytes = Buffer.from(await answer.body.arrayBuffer());
  return { status: answer.statusCode, headers: answer.headers, bytes };
}

async function batchLifecycleWithFollowUp(): Promise<{ id: string; workItemId: string }> {
  const started = await call(`${base}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: `docs-${randomUUID()}`, mode: 'batch', keepOpenFor: '1h' }),
  });
  expect(started.status).toBe(201);
  const id = started.json.id as string;
  await atStage(bed.overHttp(), id, 'idle');
  const answers = '<AnswerSet><Answer name="Tenant"><TextValue>Bo Example</TextValue></Answer></AnswerSet>';
  expect(
    (await call(assembly(id, '/follow-ups'), { method: 'POST', body: { answerXml: answers } })).status,
  ).toBe(202);
  expect((await call(assembly(id, '/finish'), { method: 'POST' })).status).toBe(202);
  const result = await call(assembly(id, '/result?wait=true'));
  expect(result.status).toBe(200);
  expect(result.json.sessions).toHaveLength(2);
  return { id, workItemId: result.json.workItemId as string };
}

const bed = gatewayTestbed();

beforeAll(async () => {
  base = bed.gateway.url;
  const { id, workItemId } = await batchLifecycleWithFollowUp();
  const list = await call(assembly(id, '/documents'));
  expect(list.status).toBe(200);
  lifecycle = { id, workItemId, documents: list.json.documents as ListedDocument[] };
});

test('the list names every stored document of every session, with the sha256 Advance reported and a gateway link', async () => {
  const status = await bed.h.lifecycles.status(lifecycle.id);
  const expected = status.completedSessions.flatMap((session) =>
    session.documents.map((document) => ({ versionId: session.versionId, document })),
  );
  expect(expected).toHaveLength(4);
  expect(lifecycle.documents).toEqual(
    expected.map(({ versionId, document }) => ({
      documentId: document.documentId,
      versionId,
      fileName: document.fileName,
      contentType: document.contentType,
      size: document.size,
      sha256: document.sha256,
      href: assembly(
        lifecycle.id,
        `/documents/${encodeURIComponent(document.documentId)}?versionId=${encodeURIComponent(versionId)}`,
      ),
    })),
  );
  for (const listed of lifecycle.documents) {
    const content = bed.h.emulator.documentContent(lifecycle.workItemId, listed.documentId);
    expect(content).toBeDefined();
    expect(listed.sha256).toBe(sha256(content as Buffer));
  }
  // The store's references stay inside: the list hands out gateway links only.
  const text = (await call(assembly(lifecycle.id, '/documents'))).text;
  expect(text).not.toContain('file:');
  expect(text).not.toContain(bed.h.documentDir);
});

test('a download streams the bytes with type, disposition, length, ETag and Accept-Ranges', async () => {
  for (const listed of lifecycle.documents) {
    const answer = await download(listed.href);
    expect(answer.status).toBe(200);
    expect(sha256(answer.bytes)).toBe(listed.sha256);
    expect(
      answer.bytes.equals(bed.h.emulator.documentContent(lifecycle.workItemId, listed.documentId)!),
    ).toBe(true);
    expect(answer.headers).toMatchObject({
      'content-type': listed.contentType,
      'content-length': String(listed.size),
      'content-disposition': `attachment; filename="${listed.fileName}"`,
      etag: `"${listed.sha256}"`,
      'accept-ranges': 'bytes',
      'cache-control': 'private, no-cache',
    });
  }
});

test('the document id alone finds a document that only one session has', async () => {
  const listed = lifecycle.documents[0] as ListedDocument;
  const answer = await download(assembly(lifecycle.id, `/documents/${listed.documentId}`));
  expect(answer.status).toBe(200);
  expect(sha256(answer.bytes)).toBe(listed.sha256);
});

test('Range: 206 with exactly the bytes asked for; suffix ranges; 416 beyond the end', async () => {
  const listed = lifecycle.documents.find((d) => d.contentType === 'application/pdf') as ListedDocument;
  const whole = bed.h.emulator.documentContent(lifecycle.workItemId, listed.documentId) as Buffer;

  const middle = await download(listed.href, { range: 'bytes=5-14' });
  expect(middle.status).toBe(206);
  expect(middle.bytes.equals(whole.subarray(5, 15))).toBe(true);
  expect(middle.headers['content-range']).toBe(`bytes 5-14/${whole.length}`);
  expect(middle.headers['content-length']).toBe('10');

  const tail = await download(listed.href, { range: 'bytes=-7' });
  expect(tail.status).toBe(206);
  expect(tail.bytes.equals(whole.subarray(whole.length - 7))).toBe(true);
  expect(tail.headers['content-range']).toBe(`bytes ${whole.length - 7}-${whole.length - 1}/${whole.length}`);

  const beyond = await download(listed.href, { range: `bytes=${whole.length}-` });
  expect(beyond.status).toBe(416);
  expect(beyond.headers['content-range']).toBe(`bytes */${whole.length}`);
  expect(JSON.parse(beyond.bytes.toString('utf8')).error.code).toBe('range-not-satisfiable');

  // If-Range with another ETag: the document changed, so the whole of it comes back.
  const changed = await download(listed.href, { range: 'bytes=0-9', 'if-range': `"${'0'.repeat(64)}"` });
  expect(changed.status).toBe(200);
  expect(changed.bytes.equals(whole)).toBe(true);
});

test('If-None-Match with the ETag: 304 and no body; HEAD: the headers only', async () => {
  const listed = lifecycle.documents[1] as ListedDocument;
  const cached = await download(listed.href, { 'if-none-match': `"${listed.sha256}"` });
  expect(cached.status).toBe(304);
  expect(cached.bytes).toHaveLength(0);
  expect(cached.headers['etag']).toBe(`"${listed.sha256}"`);

  const other = await download(listed.href, { 'if-none-match': `"${'0'.repeat(64)}"` });
  expect(other.status).toBe(200);

  const head = await download(listed.href, {}, 'HEAD');
  expect(head.status).toBe(200);
  expect(head.headers['content-length']).toBe(String(listed.size));
  expect(head.bytes).toHaveLength(0);
});

test('refusals: unknown document or session 404, no key 401, not a lifecycle 404', async () => {
  expect.assertions(8);
  const listed = lifecycle.documents[0] as ListedDocument;
  const unknown = await call(assembly(lifecycle.id, `/documents/${randomUUID()}`));
  expect(unknown.status).toBe(404);
  expect(unknown.json.error.code).toBe('document-not-found');
  const otherSession = await call(
    assembly(lifecycle.id, `/documents/${listed.documentId}?versionId=${randomUUID()}`),
  );
  expect(otherSession.json.error.code).toBe('document-not-found');
  expect((await call(assembly(lifecycle.id, '/documents'), { key: null })).status).toBe(401);
  expect((await call(listed.href, { key: null })).status).toBe(401);
  expect((await call(listed.href, { key: 'not-a-key' })).status).toBe(401);
  const notLifecycle = await call(`${base}/v1/assemblies/other-workflow/documents`);
  expect(notLifecycle.json.error.code).toBe('lifecycle-not-found');
  expect((await call(assembly(`assembly-${randomUUID()}`, '/documents'))).status).toBe(404);
});

test('a document the store no longer has: 404 document-not-found, without the store reference', async () => {
  const listed = lifecycle.documents[3] as ListedDocument;
  const status = await bed.h.lifecycles.status(lifecycle.id);
  const reference = status.completedSessions
    .flatMap((session) => session.documents)
    .find((document) => document.documentId === listed.documentId)?.reference as string;
  await rm(fileURLToPath(reference));
  const answer = await call(listed.href);
  expect(answer.status).toBe(404);
  expect(answer.json.error.code).toBe('document-not-found');
  expect(answer.text).not.toContain(bed.h.documentDir);
});

test('a lifecycle that does not store its documents lists none', async () => {
  const started = await call(`${base}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: `nostore-${randomUUID()}`, mode: 'batch', storeDocuments: false }),
  });
  const id = started.json.id as string;
  const result = await call(assembly(id, '/result?wait=true'));
  const documentId = result.json.sessions[0].documents[0].documentId as string;
  expect((await call(assembly(id, '/documents'))).json).toEqual({ id, documents: [] });
  expect((await call(assembly(id, `/documents/${documentId}`))).json.error.code).toBe('document-not-found');
});

test('both routes are in the OpenAPI document', async () => {
  const doc = (await call(`${base}/v1/openapi.json`, { key: null })).json;
  const list = doc.paths['/v1/assemblies/{id}/documents'].get;
  const one = doc.paths['/v1/assemblies/{id}/documents/{documentId}'].get;
  expect(list.security).toEqual([{ bearerKey: [] }, { apiKeyHeader: [] }]);
  expect(Object.keys(one.responses)).toEqual(expect.arrayContaining(['200', '206', '302', '304', '4XX']));
  expect(one.responses['200'].content['*/*'].schema).toMatchObject({
    type: 'string',
    format: 'binary',
  });
  expect(one.parameters.map((p: { name: string }) => p.name)).toEqual(
    expect.arrayContaining(['id', 'documentId', 'versionId']),
  );
  expect(doc.components.schemas.AssemblyDocuments).toBeDefined();
});

/** The media types the OpenAPI document names for one status of an operation (`4XX` ranges too). */
function documentedMediaTypes(
  operation: { responses: Record<string, { content?: object }> },
  status: number,
) {
  const response = operation.responses[String(status)] ?? operation.responses[`${String(status)[0]}XX`];
  return Object.keys(response?.content ?? {});
}

/** `type/subtype` against a documented media range, `*` matching anything (RFC 9110, 12.5.1). */
function mediaTypeMatches(documented: string, received: string): boolean {
  const [wantType, wantSub] = documented.split(';')[0]!.trim().toLowerCase().split('/');
  const [gotType, gotSub] = received.split(';')[0]!.trim().toLowerCase().split('/');
  return (wantType === '*' || wantType === gotType) && (wantSub === '*' || wantSub === gotSub);
}

test('every answer of a download has a Content-Type the OpenAPI document names for its status', async () => {
  const doc = (await call(`${base}/v1/openapi.json`, { key: null })).json;
  const operation = doc.paths['/v1/assemblies/{id}/documents/{documentId}'].get;
  // The first session's documents: one of each type the emulator produces (PDF and Word).
  const [pdf, word] = lifecycle.documents as [ListedDocument, ListedDocument];
  expect(pdf.contentType).not.toBe(word.contentType);
  const answers = [
    await download(pdf.href),
    await download(word.href),
    await download(word.href, { range: 'bytes=0-9' }),
    await download(word.href, { range: `bytes=${word.size + 10}-` }),
    await download(assembly(lifecycle.id, '/documents/no-such-document')),
  ];
  expect(answers.map((a) => a.status)).toEqual([200, 200, 206, 416, 404]);
  for (const answer of answers) {
    const received = String(answer.headers['content-type']);
    const documented = documentedMediaTypes(operation, answer.status);
    expect({
      status: answer.status,
      received,
      matches: documented.some((d) => mediaTypeMatches(d, received)),
    }).toEqual({ status: answer.status, received, matches: true });
  }
});

test('the status keeps the store reference as it is (the list is where callers get links)', async () => {
  const status = await call(assembly(lifecycle.id));
  expect(status.json.completedSessions[0].documents[0].reference).toMatch(/^file:\/\//);
});

test('an ended lifecycle is served from its history: no worker needed (runs last: it stops the worker)', async () => {
  await bed.h.stopWorker();
  const list = await call(assembly(lifecycle.id, '/documents'));
  expect(list.json.documents).toEqual(lifecycle.documents);
  const listed = lifecycle.documents[0] as ListedDocument;
  const answer = await download(listed.href);
  expect(answer.status).toBe(200);
  expect(sha256(answer.bytes)).toBe(listed.sha256);
});

test('CORS: a browser script may send Range and conditional headers and read the download headers', async () => {
  const withCors = await startTestGateway(bed.h.lifecycles, {
    env: { GATEWAY_CORS_ORIGINS: 'https://app.example.com', DOCUMENT_STORE_DIR: bed.h.documentDir },
  });
  try {
    const listed = lifecycle.documents[0] as ListedDocument;
    const href = listed.href.replace(base, withCors.url);
    const preflight = await call(href, {
      method: 'OPTIONS',
      key: null,
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization,range,if-none-match',
      },
    });
    expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/range.*if-none-match/);
    const ranged = await download(href, { origin: 'https://app.example.com', range: 'bytes=0-3' });
    expect(ranged.status).toBe(206);
    expect(String(ranged.headers['access-control-expose-headers']).split(/,\s*/)).toEqual(
      expect.arrayContaining(['content-disposition', 'content-range', 'etag']),
    );
  } finally {
    await withCors.close();
  }
});

test('a gateway that reads another store than the workers wrote to names both: 502 document-store-mismatch', async () => {
  const listed = lifecycle.documents[0] as ListedDocument;
  const otherDir = await mkdtemp(path.join(tmpdir(), 'hotdocs-other-store-'));
  // As a newcomer gets it wrong: the gateway without the workers' directory, or with another kind
  // of store (never contacted: the reference alone shows the document is not in it).
  const misconfigured = [
    { env: { DOCUMENT_STORE_DIR: otherDir }, reads: `filesystem ${otherDir}` },
    {
      env: {
        DOCUMENT_STORE: 's3',
        DOCUMENT_STORE_S3_BUCKET: 'documents',
        DOCUMENT_STORE_S3_ENDPOINT: 'http://127.0.0.1:9',
      },
      reads: 's3 bucket documents at http://127.0.0.1:9',
    },
  ];
  try {
    for (const { env, reads } of misconfigured) {
      const gateway = await startTestGateway(bed.h.lifecycles, { env });
      try {
        const answer = await call(listed.href.replace(base, gateway.url));
        expect(answer.status).toBe(502);
        expect(answer.json.error.code).toBe('document-store-mismatch');
        expect(answer.json.error.message).toBe(
          `Document "${listed.documentId}" (session ${listed.versionId}) is in filesystem ` +
            `${bed.h.documentDir}, but this gateway reads ${reads}: give the gateway the workers' ` +
            'DOCUMENT_STORE settings',
        );
      } finally {
        await gateway.close();
      }
    }
  } finally {
    await rm(otherDir, { recursive: true, force: true });
  }
});
