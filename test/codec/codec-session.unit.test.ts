import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  AesGcmPayloadCodec,
  buildCodecServer,
  CODEC_LOGIN_ATTEMPTS_PER_MINUTE,
  CODEC_SESSION_COOKIE,
  codecSessionKey,
  CodecSessions,
  sha256Hex,
  type EncryptionKey,
} from '../../src/codec';

/**
 * Temporal UI sends cookies to the codec endpoint (TEMPORAL_CODEC_INCLUDE_CREDENTIALS) but no
 * bearer token: an operator signs in at /codec/login with the codec token and gets a session
 * cookie the endpoint accepts in its place. Over real HTTP.
 */

const TOKEN = 'codec-token-for-operators';
const UI_ORIGIN = 'http://127.0.0.1:8080';
const KEY: EncryptionKey = { id: 'k1', key: randomBytes(32) };
let server: FastifyInstance;
let base: string;

beforeAll(async () => {
  server = await buildCodecServer({
    codec: new AesGcmPayloadCodec([KEY]),
    tokenHashes: [sha256Hex(TOKEN)],
    corsOrigins: [UI_ORIGIN],
    sessionKey: codecSessionKey([KEY]),
  });
  base = await server.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await server?.close();
});

const payloads = {
  payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: '' }],
};

function decode(headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/codec/decode`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: UI_ORIGIN, ...headers },
    body: JSON.stringify(payloads),
  });
}

function signIn(token: string): Promise<Response> {
  return fetch(`${base}/codec/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
    redirect: 'manual',
  });
}

function sessionCookie(response: Response): string {
  const header = response.headers.getSetCookie().find((c) => c.startsWith(`${CODEC_SESSION_COOKIE}=`));
  if (header === undefined) throw new Error('no session cookie was set');
  return header;
}

test('without a token or a sign-in, decoding is refused', async () => {
  const response = await decode();
  expect(response.status).toBe(401);
  expect(await response.json()).toEqual({
    error: { code: 'unauthorized', message: 'a valid bearer token or sign-in (/codec/login) is required' },
  });
});

test('the sign-in page is a form that cannot be framed', async () => {
  const response = await fetch(`${base}/codec/login`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(await response.text()).toContain('<input type="password" name="token"');
});

test('a wrong token gets no cookie', async () => {
  const response = await signIn('not-the-token');
  expect(response.status).toBe(401);
  expect(response.headers.getSetCookie()).toEqual([]);
});

test('the codec token gets an HttpOnly, SameSite=Strict cookie for /codec that decodes in its place', async () => {
  const response = await signIn(TOKEN);
  expect(response.status).toBe(200);
  const cookie = sessionCookie(response);
  expect(cookie).toMatch(/; Path=\/codec/);
  expect(cookie).toMatch(/; HttpOnly/);
  expect(cookie).toMatch(/; SameSite=Strict/);
  expect(cookie).not.toMatch(/; Secure/); // plain HTTP on the loopback
  expect(await response.text()).toContain(UI_ORIGIN);

  const value = cookie.split(';')[0] as string;
  const decoded = await decode({ cookie: value });
  expect(decoded.status).toBe(200);
  // The UI calls with credentials: 'include'; the answer must allow its origin to read it.
  expect(decoded.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
  expect(decoded.headers.get('access-control-allow-credentials')).toBe('true');
  expect(await decoded.json()).toEqual(payloads);
});

test('behind a TLS proxy the cookie is Secure', async () => {
  const response = await fetch(`${base}/codec/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
    body: JSON.stringify({ token: TOKEN }),
  });
  expect(sessionCookie(response)).toMatch(/; Secure/);
});

test('an altered cookie, one signed with another key, or an expired one is refused', async () => {
  const value = (sessionCookie(await signIn(TOKEN)).split(';')[0] as string).split('=')[1] as string;
  const [version, expiry, signature] = value.split('.') as [string, string, string];
  const later = `${version}.${Number(expiry) + 60_000}.${signature}`;
  expect((await decode({ cookie: `${CODEC_SESSION_COOKIE}=${later}` })).status).toBe(401);

  const otherKey = new CodecSessions(codecSessionKey([{ id: 'k2', key: randomBytes(32) }]));
  const forged = otherKey.issue(sha256Hex(TOKEN)).value;
  expect((await decode({ cookie: `${CODEC_SESSION_COOKIE}=${forged}` })).status).toBe(401);

  const sessions = new CodecSessions(codecSessionKey([KEY]), 1_000);
  const { value: shortLived } = sessions.issue(sha256Hex(TOKEN), Date.now() - 5_000);
  expect(sessions.valid(shortLived, [sha256Hex(TOKEN)])).toBe(false);
  expect((await decode({ cookie: `${CODEC_SESSION_COOKIE}=${shortLived}` })).status).toBe(401);
});

test('signing out clears the cookie', async () => {
  const response = await fetch(`${base}/codec/logout`, { method: 'POST' });
  expect(response.status).toBe(200);
  expect(sessionCookie(response)).toMatch(/Expires=Thu, 01 Jan 1970/);
});

test('the CLI still decodes with its bearer token', async () => {
  expect((await decode({ authorization: `Bearer ${TOKEN}` })).status).toBe(200);
});

test('a session ends with the token that opened it: once that token is no longer configured, its cookie is refused', async () => {
  const RETIRED = 'codec-token-being-retired';
  // Before: both tokens configured, an operator signs in with the one about to be removed.
  const before = await buildCodecServer({
    codec: new AesGcmPayloadCodec([KEY]),
    tokenHashes: [sha256Hex(TOKEN), sha256Hex(RETIRED)],
    corsOrigins: [UI_ORIGIN],
    sessionKey: codecSessionKey([KEY]),
  });
  let cookie: string;
  try {
    const url = await before.listen({ port: 0, host: '127.0.0.1' });
    const response = await fetch(`${url}/codec/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: RETIRED }),
    });
    cookie = sessionCookie(response).split(';')[0] as string;
  } finally {
    await before.close();
  }
  // After: the same payload key, only TOKEN configured (this file's server).
  expect((await decode({ cookie })).status).toBe(401);
  const kept = sessionCookie(await signIn(TOKEN)).split(';')[0] as string;
  expect((await decode({ cookie: kept })).status).toBe(200);
});

test(`sign-in attempts are limited per address: the ${CODEC_LOGIN_ATTEMPTS_PER_MINUTE + 1}th in a minute gets 429 with Retry-After`, async () => {
  const limited = await buildCodecServer({
    codec: new AesGcmPayloadCodec([KEY]),
    tokenHashes: [sha256Hex(TOKEN)],
    corsOrigins: [UI_ORIGIN],
    sessionKey: codecSessionKey([KEY]),
  });
  try {
    const url = await limited.listen({ port: 0, host: '127.0.0.1' });
    const attempt = (token: string) =>
      fetch(`${url}/codec/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < CODEC_LOGIN_ATTEMPTS_PER_MINUTE; i += 1)
      statuses.push((await attempt(`guess-${i}`)).status);
    expect(statuses).toEqual(Array(CODEC_LOGIN_ATTEMPTS_PER_MINUTE).fill(401));
    // Even the right token waits: the limit is on attempts, not failures.
    const refused = await attempt(TOKEN);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.getSetCookie()).toEqual([]);
    expect(await refused.json()).toMatchObject({
      error: {
        code: 'rate-limited',
        message: expect.stringMatching(/^Too many sign-in attempts from this address: at most 10 a minute/),
      },
    });
    // Decoding with the bearer token is not a sign-in: not limited by it.
    const decoded = await fetch(`${url}/codec/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(payloads),
    });
    expect(decoded.status).toBe(200);
  } finally {
    await limited.close();
  }
});
