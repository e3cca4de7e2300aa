import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import {
  EVENT_ID_HEADER,
  lifecycleEventReceiver,
  SIGNATURE_HEADER,
  signWebhookBody,
  verifyWebhook,
  WebhookVerificationError,
  type LifecycleEvent,
  type LifecycleEventReceiverOptions,
  type SignedRequest,
  type VerifyWebhookOptions,
} from '../../src';

/**
 * The receiving side of our webhooks, as the package exports it: `verifyWebhook` refuses what a
 * receiver must refuse, and `lifecycleEventReceiver` answers so that the sender stops or retries.
 */

const SECRET = 'whsec-unit-test';
const NOW = 1_790_000_000;
const event = {
  id: 'c5b1c3c0-0d3f-4b7e-8f5c-1a2b3c4d5e6f',
  type: 'session.completed',
  occurredAt: '2026-09-21T10:00:00.000Z',
  lifecycleId: 'assembly-lease-42',
  workItemId: '0b7c8e4e-54b4-4d43-9c8f-2a0f1e3d4c5b',
  outcome: 'assembled',
} satisfies LifecycleEvent;
const BODY = JSON.stringify(event);

function signed(body = BODY, at = NOW, extra: Record<string, string> = {}): SignedRequest {
  return {
    body,
    headers: { [SIGNATURE_HEADER]: signWebhookBody(body, SECRET, at), [EVENT_ID_HEADER]: event.id, ...extra },
  };
}

function refusalOf(req: SignedRequest, options: Partial<VerifyWebhookOptions> = {}): string {
  try {
    verifyWebhook(req, { secret: SECRET, nowSeconds: NOW, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect((error as Error).message).not.toContain(SECRET);
    return (error as WebhookVerificationError).code;
  }
  return 'accepted';
}

describe('verifyWebhook', () => {
  test('accepts a signed event and returns it parsed, from a string or the raw bytes', () => {
    expect(verifyWebhook(signed(), { secret: SECRET, nowSeconds: NOW })).toEqual(event);
    const bytes = { ...signed(), body: Buffer.from(BODY) };
    expect(verifyWebhook(bytes, { secret: SECRET, nowSeconds: NOW + 299 })).toEqual(event);
  });

  test('the signature is t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
    expect(signWebhookBody('{"a":1}', 'k', 1700000000)).toBe(
      `t=1700000000,v1=${createHmac('sha256', 'k').update('1700000000.{"a":1}').digest('hex')}`,
    );
  });

  test('refuses a tampered body, a tampered signature, a wrong key, and none at all', () => {
    const tamperedBody = { ...signed(), body: BODY.replace('lease-42', 'lease-43') };
    expect(refusalOf(tamperedBody)).toBe('bad-signature');
    const header = signWebhookBody(BODY, SECRET, NOW);
    const flipped = header.slice(0, -1) + (header.endsWith('0') ? '1' : '0');
    expect(refusalOf({ body: BODY, headers: { [SIGNATURE_HEADER]: flipped } })).toBe('bad-signature');
    // The timestamp is signed too: moving it breaks the signature.
    const moved = header.replace(`t=${NOW}`, `t=${NOW + 1}`);
    expect(refusalOf({ body: BODY, headers: { [SIGNATURE_HEADER]: moved } })).toBe('bad-signature');
    expect(refusalOf(signed(), { secret: 'another-key' })).toBe('bad-signature');
    expect(refusalOf({ body: BODY, headers: {} })).toBe('missing-signature');
    expect(refusalOf({ body: BODY, headers: { [SIGNATURE_HEADER]: 'sha256=abc' } })).toBe(
      'malformed-signature',
    );
  });

  test('refuses a timestamp outside the tolerance, old or ahead (default 5 minutes)', () => {
    expect(refusalOf(signed(BODY, NOW - 301))).toBe('stale-timestamp');
    expect(refusalOf(signed(BODY, NOW + 301))).toBe('stale-timestamp');
    expect(refusalOf(signed(BODY, NOW - 300))).toBe('accepted');
    expect(refusalOf(signed(BODY, NOW - 3600), { toleranceSeconds: 7200 })).toBe('accepted');
  });

  test('refuses an event already seen, and an id header that is not the body id', () => {
    expect(refusalOf(signed(), { seen: new Set([event.id]) })).toBe('duplicate-event');
    expect(refusalOf(signed(), { seen: new Set(['another']) })).toBe('accepted');
    expect(refusalOf(signed(BODY, NOW, { [EVENT_ID_HEADER]: 'another' }))).toBe('event-id-mismatch');
  });

  test('refuses a signed body that is not a JSON object', () => {
    expect(refusalOf(signed('not json'))).toBe('malformed-body');
    expect(
      refusalOf({ ...signed('[1]'), headers: { [SIGNATURE_HEADER]: signWebhookBody('[1]', SECRET, NOW) } }),
    ).toBe('malformed-body');
  });

  test('header names are matched whatever their case', () => {
    const req = { body: BODY, headers: { 'X-HotDocs-Signature': signWebhookBody(BODY, SECRET, NOW) } };
    expect(refusalOf(req)).toBe('accepted');
  });
});

describe('lifecycleEventReceiver over HTTP', () => {
  let server: Server;
  let url: string;
  const handled: LifecycleEvent[] = [];
  let behaviour: (event: LifecycleEvent) => Promise<void> | void = () => undefined;
  const seen = new Set<string>();

  beforeAll(async () => {
    const options: LifecycleEventReceiverOptions = {
      secret: SECRET,
      seen,
      maxBodyBytes: 4096,
      onEvent: async (e) => {
        await behaviour(e);
        handled.push(e);
      },
    };
    server = createServer(lifecycleEventReceiver(options));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function post(body: string, headers: Record<string, string>, method: 'POST' | 'GET' = 'POST') {
    const response = await request(url, { method, body: method === 'POST' ? body : undefined, headers });
    await response.body.dump();
    return response.statusCode;
  }

  function fresh(id: string) {
    const body = JSON.stringify({ ...event, id });
    const now = Math.floor(Date.now() / 1000);
    return {
      body,
      headers: { [SIGNATURE_HEADER]: signWebhookBody(body, SECRET, now), [EVENT_ID_HEADER]: id },
    };
  }

  test('204 when handled, 200 for the same event again (handled once), 401 for a bad signature', async () => {
    const { body, headers } = fresh('receiver-1');
    expect(await post(body, headers)).toBe(204);
    expect(await post(body, headers)).toBe(200);
    expect(handled.filter((e) => e.id === 'receiver-1')).toHaveLength(1);
    expect(await post(body.replace('lease-42', 'lease-9'), headers)).toBe(401);
    const stale = signWebhookBody(body, SECRET, Math.floor(Date.now() / 1000) - 600);
    expect(await post(body, { ...headers, [SIGNATURE_HEADER]: stale })).toBe(401);
  });

  test('a failing handler answers 500 and the event stays deliverable', async () => {
    const { body, headers } = fresh('receiver-2');
    behaviour = () => {
      throw new Error('database down');
    };
    expect(await post(body, headers)).toBe(500);
    behaviour = () => undefined;
    expect(await post(body, headers)).toBe(204);
    expect(handled.filter((e) => e.id === 'receiver-2')).toHaveLength(1);
  });

  test('503 with Retry-After while the same event is being handled', async () => {
    const { body, headers } = fresh('receiver-3');
    let release: () => void = () => undefined;
    let entered: () => void = () => undefined;
    const handling = new Promise<void>((resolve) => (entered = resolve));
    let entries = 0;
    behaviour = () => {
      entries += 1;
      if (entries > 1) return; // a second delivery let in (it must not be) is not held up
      entered();
      return new Promise<void>((resolve) => (release = resolve));
    };
    const first = post(body, headers);
    await handling; // the first delivery is in the handler, and stays there until released
    const again = await request(url, { method: 'POST', body, headers });
    await again.body.dump();
    expect([again.statusCode, again.headers['retry-after']]).toEqual([503, expect.stringMatching(/^\d+$/)]);
    release();
    behaviour = () => undefined;
    expect(await first).toBe(204);
    expect(handled.filter((e) => e.id === 'receiver-3')).toHaveLength(1);
  });

  test('405 for another method, 413 for a body over the limit, 400 for a signed non-event', async () => {
    expect(await post('', {}, 'GET')).toBe(405);
    const { headers } = fresh('receiver-4');
    const big = JSON.stringify({ ...event, id: 'receiver-4', reason: 'x'.repeat(5000) });
    expect(
      await post(big, {
        ...headers,
        [SIGNATURE_HEADER]: signWebhookBody(big, SECRET, Math.floor(Date.now() / 1000)),
      }),
    ).toBe(413);
    const notJson = 'hello';
    const sig = signWebhookBody(notJson, SECRET, Math.floor(Date.now() / 1000));
    expect(await post(notJson, { [SIGNATURE_HEADER]: sig })).toBe(400);
  });
});
