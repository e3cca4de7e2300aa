import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CompletionWebhook } from '../../src/notifications/completion-webhook';
import { lifecycleEvent } from '../../src/notifications/lifecycle-events';
import {
  EVENT_ID_HEADER,
  SIGNATURE_HEADER,
  signWebhookBody,
  verifyWebhook,
  WebhookVerificationError,
} from '../../src/notifications/webhook-signature';

/**
 * The Python verification in docs/webhooks.md, run as written with python3, decides exactly as
 * the TypeScript one on requests signed by the worker's own sender: the real request is accepted
 * (non-ASCII text included), every tampered, stale or repeated one is refused with the same code.
 */

const DOC = readFileSync(path.resolve(__dirname, '..', '..', 'docs', 'webhooks.md'), 'utf8');
const SECRET = 'python-parity-secret';

/** The fenced Python block that defines verify_webhook, as a receiver would copy it. */
function documentedPython(): string {
  const block = [...DOC.matchAll(/```python\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .find((code) => code.includes('def verify_webhook('));
  if (block === undefined) throw new Error('docs/webhooks.md has no Python block defining verify_webhook');
  return block;
}

const DRIVER = `
import base64, json, sys
results = []
for case in json.load(sys.stdin):
    seen = None if case["seen"] is None else set(case["seen"])
    try:
        event = verify_webhook(base64.b64decode(case["body"]), case["headers"], case["secret"], seen=seen, now=case["now"])
        results.append({"accepted": event})
    except WebhookRefused as refused:
        results.append({"refused": refused.code})
print(json.dumps(results))
`;

interface Case {
  name: string;
  body: Buffer;
  headers: Record<string, string>;
  secret: string;
  seen: string[] | null;
  now: number;
}

type Decision = { accepted: unknown } | { refused: string };

function decideInTypeScript(c: Case): Decision {
  try {
    const seen = c.seen === null ? undefined : new Set(c.seen);
    return {
      accepted: verifyWebhook(
        { body: c.body, headers: c.headers },
        { secret: c.secret, seen, nowSeconds: c.now },
      ),
    };
  } catch (error) {
    if (error instanceof WebhookVerificationError) return { refused: error.code };
    throw error;
  }
}

function decideInPython(cases: Case[]): Decision[] {
  const input = JSON.stringify(cases.map((c) => ({ ...c, body: c.body.toString('base64') })));
  const run = spawnSync('python3', ['-c', `${documentedPython()}\n${DRIVER}`], { input, encoding: 'utf8' });
  if (run.error !== undefined) throw new Error(`python3 is needed for this test: ${run.error.message}`);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as Decision[];
}

/** One request as the worker's CompletionWebhook sends it, caught by a real server. */
async function sentBySender(): Promise<{ body: Buffer; headers: IncomingHttpHeaders }> {
  let caught: { body: Buffer; headers: IncomingHttpHeaders } | undefined;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      caught = { body: Buffer.concat(chunks), headers: request.headers };
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const event = lifecycleEvent(
      'session.completed',
      {
        lifecycleId: 'assembly-mietvertrag-7',
        businessKey: 'mietvertrag-7',
        workItemId: '0b7c8e4e-54b4-4d43-9c8f-2a0f1e3d4c5b',
        versionId: '1e6c3a9d-7f20-4b8e-a1c5-9d0e2f4b6a81',
        documents: [{ documentId: 'd-1', name: 'Vertrag', fileName: 'Mietvertrag für Müller — 2026 ✓.pdf' }],
      },
      { id: '5f0c1d52-2a9e-4c1b-9a53-3c2f7e8d9b10', occurredAt: new Date().toISOString() },
    );
    await new CompletionWebhook({ url, secret: SECRET }).send(event);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  if (caught === undefined) throw new Error('the sender sent nothing');
  return caught;
}

test('the documented Python check decides like the TypeScript one, on what the sender really sends', async () => {
  const sent = await sentBySender();
  const header = (name: string) => String(sent.headers[name]);
  const t = Number(/^t=(\d+),/.exec(header(SIGNATURE_HEADER))?.[1]);
  const headers = {
    [SIGNATURE_HEADER]: header(SIGNATURE_HEADER),
    [EVENT_ID_HEADER]: header(EVENT_ID_HEADER),
  };
  const id = header(EVENT_ID_HEADER);
  const resigned = (body: string) => ({
    body: Buffer.from(body),
    headers: { [SIGNATURE_HEADER]: signWebhookBody(body, SECRET, t) },
  });
  const base = { body: sent.body, headers, secret: SECRET, seen: null, now: t };
  const flipped = headers[SIGNATURE_HEADER].replace(/.$/, (c) => (c === '0' ? '1' : '0'));
  const cases: Case[] = [
    { ...base, name: 'as sent' },
    {
      ...base,
      name: 'as sent, capitalised header names',
      headers: { 'X-HotDocs-Signature': headers[SIGNATURE_HEADER] },
    },
    {
      ...base,
      name: 'tampered body',
      body: Buffer.from(sent.body.toString('utf8').replace('Müller', 'Muller')),
    },
    { ...base, name: 'tampered signature', headers: { ...headers, [SIGNATURE_HEADER]: flipped } },
    {
      ...base,
      name: 'timestamp moved',
      headers: { ...headers, [SIGNATURE_HEADER]: headers[SIGNATURE_HEADER].replace(`t=${t}`, `t=${t + 1}`) },
    },
    { ...base, name: 'another secret', secret: 'not-the-secret' },
    { ...base, name: 'stale', now: t + 301 },
    { ...base, name: 'from the future', now: t - 301 },
    { ...base, name: 'just within the tolerance', now: t + 300 },
    { ...base, name: 'already seen', seen: [id] },
    { ...base, name: 'others seen', seen: ['another-id'] },
    { ...base, name: 'id header not the body id', headers: { ...headers, [EVENT_ID_HEADER]: 'another-id' } },
    { ...base, name: 'no signature', headers: { [EVENT_ID_HEADER]: id } },
    { ...base, name: 'malformed signature', headers: { [SIGNATURE_HEADER]: `sha256=${'a'.repeat(64)}` } },
    { ...base, name: 'signed, not JSON', ...resigned('hello') },
    { ...base, name: 'signed, a JSON array', ...resigned('[1,2]') },
    { ...base, name: 'signed, no id, duplicates checked', seen: [], ...resigned('{"type":"x"}') },
  ];

  const typeScript = cases.map(decideInTypeScript);
  const python = decideInPython(cases);

  const named = (decisions: Decision[]) =>
    cases.map((c, i) => [c.name, 'refused' in decisions[i]! ? decisions[i]!.refused : 'accepted']);
  expect(named(typeScript)).toEqual([
    ['as sent', 'accepted'],
    ['as sent, capitalised header names', 'accepted'],
    ['tampered body', 'bad-signature'],
    ['tampered signature', 'bad-signature'],
    ['timestamp moved', 'bad-signature'],
    ['another secret', 'bad-signature'],
    ['stale', 'stale-timestamp'],
    ['from the future', 'stale-timestamp'],
    ['just within the tolerance', 'accepted'],
    ['already seen', 'duplicate-event'],
    ['others seen', 'accepted'],
    ['id header not the body id', 'event-id-mismatch'],
    ['no signature', 'missing-signature'],
    ['malformed signature', 'malformed-signature'],
    ['signed, not JSON', 'malformed-body'],
    ['signed, a JSON array', 'malformed-body'],
    ['signed, no id, duplicates checked', 'malformed-body'],
  ]);
  // Same decisions, and the same event read from the same bytes.
  expect(python).toEqual(typeScript);
  expect(python[0]).toMatchObject({
    accepted: { documents: [{ fileName: 'Mietvertrag für Müller — 2026 ✓.pdf' }] },
  });
});
