import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { EncryptionKey } from './aes-gcm-codec';

/**
 * Sign-in sessions for the codec endpoint, so that Temporal UI can decode without OIDC. The UI
 * sends cookies to the codec endpoint when `TEMPORAL_CODEC_INCLUDE_CREDENTIALS` is on, but never a
 * static bearer token; so an operator signs in once at `/codec/login` with the codec token and
 * the endpoint sets this cookie (HttpOnly, SameSite=Strict, path /codec), which it then accepts in
 * place of the token until it expires.
 *
 * The cookie is stateless: `v2.<expiry ms>.<token tag>.<HMAC-SHA256>`, keyed by a key derived
 * (HKDF) from the current payload encryption key. Every replica of the endpoint holds that key
 * already, so a session is valid on all of them and across restarts, and rotating the payload key
 * ends every session. Whoever can forge it could decrypt payloads anyway. The token tag names the
 * codec token that signed in (an HMAC of its hash, not the hash): a session lasts only as long as
 * that token is configured, so removing a token ends the sessions it opened.
 */

export const CODEC_SESSION_COOKIE = 'hotdocs_codec_session';

/** How long a sign-in lasts: one working day. @default 8 hours */
export const CODEC_SESSION_LIFETIME_MS = 8 * 60 * 60 * 1000;

const VERSION = 'v2';

/** The session-signing key for a set of payload keys (the first one encrypts, so it decides). */
export function codecSessionKey(keys: readonly EncryptionKey[]): Buffer {
  const current = keys[0];
  if (current === undefined) throw new Error('codec sessions need a payload encryption key');
  return Buffer.from(hkdfSync('sha256', current.key, Buffer.alloc(0), 'hotdocs codec session v1', 32));
}

export class CodecSessions {
  constructor(
    private readonly key: Buffer,
    readonly lifetimeMs: number = CODEC_SESSION_LIFETIME_MS,
  ) {}

  /** A new session's cookie value and when it expires, for the token with this SHA-256 hex. */
  issue(tokenSha256Hex: string, now = Date.now()): { value: string; expiresAt: Date } {
    const expiresAtMs = now + this.lifetimeMs;
    const body = `${VERSION}.${expiresAtMs}.${this.tag(tokenSha256Hex)}`;
    return { value: `${body}.${this.sign(body)}`, expiresAt: new Date(expiresAtMs) };
  }

  /**
   * True for a cookie value this key signed that has not expired, opened by one of the tokens
   * configured now (their SHA-256 hex).
   */
  valid(value: string | undefined, tokenSha256Hexes: readonly string[], now = Date.now()): boolean {
    if (value === undefined) return false;
    const match = /^(v2\.(\d{1,15})\.([A-Za-z0-9_-]{22}))\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (match === null) return false;
    const [, body = '', expiresAtMs = '0', tag = '', signature = ''] = match;
    const expected = Buffer.from(this.sign(body));
    const presented = Buffer.from(signature);
    return (
      presented.length === expected.length &&
      timingSafeEqual(presented, expected) &&
      Number(expiresAtMs) > now &&
      tokenSha256Hexes.some((hash) => this.tag(hash) === tag)
    );
  }

  /** Names a token without giving away its hash (which a guess could be checked against). */
  private tag(tokenSha256Hex: string): string {
    return createHmac('sha256', this.key)
      .update(`token ${tokenSha256Hex.toLowerCase()}`)
      .digest()
      .subarray(0, 16)
      .toString('base64url');
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

/** The value of one cookie in a `Cookie` header (`name=value; other=...`). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The session's `Set-Cookie` header: HttpOnly (scripts never see it), SameSite=Strict (other
 * sites cannot make the browser send it), path /codec, Secure over HTTPS. An empty value with a
 * past expiry clears it.
 */
export function sessionCookieHeader(value: string, expiresAt: Date, secure: boolean): string {
  return (
    `${CODEC_SESSION_COOKIE}=${value}; Path=/codec; Expires=${expiresAt.toUTCString()}; HttpOnly; SameSite=Strict` +
    (secure ? '; Secure' : '')
  );
}
