import { randomUUID } from 'node:crypto';
import { FinishLinkSigner } from '../../src/gateway';
import { lifecycleInput, atStage } from '../support/lifecycle-harness';
import {
  call,
  FINISH_SECRET,
  KEYS,
  sha256Hex,
  startTestGateway,
  waitForInterview,
  type InterviewAnswer,
} from '../support/gateway-harness';
import { gatewayTestbed } from '../support/testbed';

/**
 * Who may do what: API keys on the REST API, and the signed finish link as the only credential
 * of the interview's Finish post — refused when tampered, forged, expired or replayed (also
 * after a restart and on another replica), and a refusal changes nothing.
 */

let base: string;

const bed = gatewayTestbed();

beforeAll(async () => {
  base = bed.gateway.url;
});

async function startWaiting(overrides: Record<string, unknown> = {}): Promise<InterviewAnswer> {
  const started = await call(`${base}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: `auth-${randomUUID()}`, ...overrides }),
  });
  expect(started.status).toBe(201);
  return waitForInterview(base, started.json.id);
}

async function statusOf(id: string) {
  return (await call(`${base}/v1/assemblies/${id}`)).json;
}

/** Nothing happened to the lifecycle: still waiting, not finished, no message recorded. */
async function expectUntouched(interview: InterviewAnswer) {
  const status = await statusOf(interview.id);
  expect(status.stage).toBe('waiting-for-interview');
  expect(status.activeSession).toMatchObject({ versionId: interview.versionId, interviewCompleted: false });
  expect(status.rejectedSignals).toEqual([]);
}

function postFinish(url: string, options: { accept?: string; body?: unknown } = {}) {
  return call(url, {
    method: 'POST',
    key: null,
    body: options.body ?? {},
    headers: options.accept === undefined ? {} : { accept: options.accept },
  });
}

function tokenOf(finishUrl: string): string {
  return finishUrl.slice(finishUrl.lastIndexOf('/') + 1);
}

describe('API keys', () => {
  const someId = 'assembly-any';
  const business: [method: 'GET' | 'POST', path: string][] = [
    ['POST', '/v1/assemblies'],
    ['GET', `/v1/assemblies/${someId}`],
    ['GET', `/v1/assemblies/${someId}/result`],
    ['GET', `/v1/assemblies/${someId}/interview`],
    ['POST', `/v1/assemblies/${someId}/follow-ups`],
    ['POST', `/v1/assemblies/${someId}/finish`],
    ['POST', `/v1/assemblies/${someId}/cancel`],
  ];

  test('every business endpoint: no key, a wrong key, a malformed header → 401 unauthorized', async () => {
    const attempts: [string, Record<string, string>][] = [
      ['none', {}],
      ['wrong bearer', { authorization: `Bearer ${KEYS.ops}x` }],
      ['wrong x-api-key', { 'x-api-key': 'not-a-key' }],
      ['basic auth', { authorization: `Basic ${Buffer.from(`ops:${KEYS.ops}`).toString('base64')}` }],
      ['empty bearer', { authorization: 'Bearer ' }],
      // Someone who read the configuration knows the hashes, not the keys.
      ['the configured hash', { 'x-api-key': sha256Hex(KEYS.ops) }],
    ];
    for (const [method, path] of business) {
      for (const [what, headers] of attempts) {
        const answer = await call(`${base}${path}`, { method, key: null, headers, body: {} });
        expect([method, path, what, answer.status, answer.json?.error?.code]).toEqual([
          method,
          path,
          what,
          401,
          'unauthorized',
        ]);
        expect(answer.headers['www-authenticate']).toBe('Bearer');
      }
    }
  });

  test('either header with either configured key is accepted', async () => {
    const id = `assembly-nobody-${randomUUID()}`;
    const accepted: Record<string, string>[] = [
      { authorization: `Bearer ${KEYS.ops}` },
      { authorization: `bearer ${KEYS.crm}` },
      { 'x-api-key': KEYS.ops },
      { 'x-api-key': KEYS.crm },
    ];
    for (const headers of accepted) {
      const answer = await call(`${base}/v1/assemblies/${id}`, { key: null, headers });
      // Past authentication: the id is unknown.
      expect(answer.json.error.code).toBe('lifecycle-not-found');
    }
  });

  test('health, readiness, the OpenAPI document and the finish link need no key', async () => {
    for (const path of ['/healthz', '/readyz', '/v1/openapi.json']) {
      expect((await call(`${base}${path}`, { key: null })).status).toBe(200);
    }
    const finish = await postFinish(`${base}/v1/finish/not-a-token`);
    expect(finish.json.error.code).toBe('finish-link-invalid');
  });
});

describe('finish links', () => {
  test('a form post (as the interview page sends it) signals interviewCompleted; a replay is 410 used', async () => {
    const interview = await startWaiting();
    const form = new URLSearchParams({
      workItemId: interview.workItemId,
      versionId: interview.versionId,
      coreSessionId: interview.coreSessionId,
    }).toString();
    const finished = await call(interview.finishUrl, {
      method: 'POST',
      key: null,
      body: form,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(finished.status).toBe(200);
    expect(finished.json).toEqual({
      id: interview.id,
      versionId: interview.versionId,
      interviewCompleted: true,
      outcome: 'accepted',
    });

    const replay = await call(interview.finishUrl, {
      method: 'POST',
      key: null,
      body: form,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect([replay.status, replay.json.error.code]).toEqual([410, 'finish-link-used']);
    const result = await call(`${base}/v1/assemblies/${interview.id}/result?wait=true`);
    expect(result.json.sessions).toHaveLength(1);
    // The replay never reached the workflow: refused at the gateway.
    expect((await statusOf(interview.id)).rejectedSignals).toEqual([]);
  });

  test('tampered, forged and malformed links: 403 finish-link-invalid, and nothing changes', async () => {
    const interview = await startWaiting();
    const token = tokenOf(interview.finishUrl);
    const [version, payload, signature] = token.split('.') as [string, string, string];
    const flip = (text: string, at: number) =>
      text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString()) as unknown[];
    const otherLifecyclePayload = Buffer.from(
      JSON.stringify(['assembly-someone-else', ...decoded.slice(1)]),
    ).toString('base64url');
    const forged = new FinishLinkSigner('a-different-secret-of-sufficient-length!!').sign({
      lifecycleId: interview.id,
      versionId: interview.versionId,
      expiresAtMs: Date.now() + 60_000,
    }).token;
    const attempts = {
      'payload byte changed': `${version}.${flip(payload, 5)}.${signature}`,
      'signature byte changed': `${version}.${payload}.${flip(signature, 3)}`,
      'another lifecycle, same signature': `${version}.${otherLifecyclePayload}.${signature}`,
      'signature cut short': `${version}.${payload}.${signature.slice(0, 20)}`,
      'signature with a stray character': `${version}.${payload}.${signature}!`,
      'unknown version': `v2.${payload}.${signature}`,
      'signed with another secret': forged,
      garbage: 'hello',
    };
    for (const [what, attempt] of Object.entries(attempts)) {
      const answer = await postFinish(`${base}/v1/finish/${attempt}`);
      expect([what, answer.status, answer.json.error.code]).toEqual([what, 403, 'finish-link-invalid']);
    }
    // A genuine link posted with another session's version id.
    const mismatch = await postFinish(interview.finishUrl, { body: { versionId: randomUUID() } });
    expect([mismatch.status, mismatch.json.error.code]).toEqual([403, 'finish-link-invalid']);
    await expectUntouched(interview);
    // The genuine link still works afterwards.
    expect((await postFinish(interview.finishUrl)).status).toBe(200);
  });

  test('an expired link: 410 finish-link-expired, and nothing changes', async () => {
    const interview = await startWaiting();
    const expired = new FinishLinkSigner(FINISH_SECRET).sign({
      lifecycleId: interview.id,
      versionId: interview.versionId,
      expiresAtMs: Date.now() - 1000,
    }).token;
    const answer = await postFinish(`${base}/v1/finish/${expired}`);
    expect([answer.status, answer.json.error.code]).toEqual([410, 'finish-link-expired']);
    await expectUntouched(interview);
    await call(`${base}/v1/assemblies/${interview.id}/cancel`, { method: 'POST' });
  });

  test('a link lives GATEWAY_FINISH_LINK_TTL, and never past the interview deadline', async () => {
    const short = await startTestGateway(bed.h.lifecycles, { env: { GATEWAY_FINISH_LINK_TTL: '10m' } });
    try {
      const interview = await startWaiting({ interview: { deadline: '5m' } });
      const capped = await call(`${short.url}/v1/assemblies/${interview.id}/interview`);
      const { deadlineAt } = (await statusOf(interview.id)).activeSession;
      expect(capped.json.expiresAt).toBe(new Date(Date.parse(deadlineAt)).toISOString());

      const open = await startWaiting();
      const link = await call(`${short.url}/v1/assemblies/${open.id}/interview`);
      const lifetime = Date.parse(link.json.expiresAt) - Date.now();
      expect(lifetime).toBeGreaterThan(9 * 60_000);
      expect(lifetime).toBeLessThanOrEqual(10 * 60_000);
      for (const id of [interview.id, open.id])
        await call(`${base}/v1/assemblies/${id}/cancel`, { method: 'POST' });
    } finally {
      await short.close();
    }
  });

  test('single use holds across a restart and across links: the lifecycle state is the authority', async () => {
    const interview = await startWaiting();
    // A second link for the same session, handed out before the first was used.
    const second = await waitForInterview(base, interview.id);
    expect(second.finishUrl).not.toBe(interview.finishUrl);
    expect((await postFinish(interview.finishUrl)).status).toBe(200);

    // A new gateway process knows nothing of the first one's nonces.
    const restarted = await startTestGateway(bed.h.lifecycles);
    try {
      const again = await postFinish(interview.finishUrl.replace(base, restarted.url));
      expect([again.status, again.json.error.code]).toEqual([410, 'finish-link-used']);
      const other = await postFinish(second.finishUrl.replace(base, restarted.url));
      expect([other.status, other.json.error.code]).toEqual([410, 'finish-link-used']);
      // Also once the session is completed and the lifecycle has ended.
      await call(`${base}/v1/assemblies/${interview.id}/result?wait=true`);
      const late = await postFinish(second.finishUrl.replace(base, restarted.url));
      expect([late.status, late.json.error.code]).toEqual([410, 'finish-link-used']);
    } finally {
      await restarted.close();
    }
    const status = await statusOf(interview.id);
    expect(status.completedSessions).toHaveLength(1);
    expect(status.rejectedSignals).toEqual([]);
  });

  test('two replicas receiving the same link at once: the session is completed once', async () => {
    const replica = await startTestGateway(bed.h.lifecycles);
    try {
      const interview = await startWaiting();
      const answers = await Promise.all([
        postFinish(interview.finishUrl),
        postFinish(interview.finishUrl.replace(base, replica.url)),
      ]);
      const statuses = answers.map((a) => a.status).sort();
      // Each replica refuses or signals; at least one signals. Two signals are harmless (below).
      expect(statuses[0]).toBe(200);
      expect([200, 410]).toContain(statuses[1]);
      const result = await call(`${base}/v1/assemblies/${interview.id}/result?wait=true`);
      expect(result.json.sessions).toHaveLength(1);
      const completes = bed.h.emulator
        .requests()
        .filter((r) => r.endpoint === 'completeSession' && r.workItemId === interview.workItemId);
      expect(completes).toHaveLength(1);
    } finally {
      await replica.close();
    }
  });

  test('a browser gets pages: thank you on success, a page with the code on refusal', async () => {
    const interview = await startWaiting();
    const accept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    const page = await postFinish(interview.finishUrl, { accept });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('Thank you');
    const replay = await postFinish(interview.finishUrl, { accept });
    expect(replay.status).toBe(410);
    expect(replay.headers['content-type']).toMatch(/^text\/html/);
    expect(replay.text).toContain('already been finished');
    expect(replay.text).toContain('finish-link-used');
    // A script asking for JSON gets the one error shape.
    const json = await postFinish(interview.finishUrl, { accept: 'application/json' });
    expect(json.json.error.code).toBe('finish-link-used');
    await atStage(bed.overHttp(), interview.id, 'completed');
  });
});
