import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signed finish links. The interview page posts to one when the person presses Finish; the link
 * itself is the credential (a browser holds no API key), so it names exactly one session of one
 * lifecycle, expires, and carries a nonce for single use.
 *
 * Token: `v1.<payload>.<signature>`, both parts base64url; payload = JSON
 * `[lifecycleId, versionId, expiresAtMs, nonce]`; signature = HMAC-SHA256 over `v1.<payload>` (the
 * encoded text, so there is nothing to canonicalise). A tampered byte anywhere fails the check.
 */

const VERSION = 'v1';
const SIGNATURE_BYTES = 32;

export interface FinishLink {
  lifecycleId: string;
  versionId: string;
  expiresAtMs: number;
  nonce: string;
}

export type FinishLinkCheck =
  { ok: true; link: FinishLink } | { ok: false; reason: 'invalid' | 'expired'; link?: FinishLink };

export class FinishLinkSigner {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(secret, 'utf8');
  }

  sign(link: Omit<FinishLink, 'nonce'> & { nonce?: string }): { token: string; link: FinishLink } {
    const full: FinishLink = { ...link, nonce: link.nonce ?? randomBytes(16).toString('base64url') };
    const payload = Buffer.from(
      JSON.stringify([full.lifecycleId, full.versionId, full.expiresAtMs, full.nonce]),
      'utf8',
    ).toString('base64url');
    const signed = `${VERSION}.${payload}`;
    return { token: `${signed}.${this.mac(signed).toString('base64url')}`, link: full };
  }

  /** Signature first (constant time), then the payload, then the expiry. */
  verify(token: string, nowMs: number): FinishLinkCheck {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION) return { ok: false, reason: 'invalid' };
    const [version, payload, signature] = parts as [string, string, string];
    const presented = Buffer.from(signature, 'base64url');
    const expected = this.mac(`${version}.${payload}`);
    // Equal lengths first: timingSafeEqual throws otherwise, and the length is public anyway.
    if (presented.length !== SIGNATURE_BYTES || !timingSafeEqual(presented, expected)) {
      return { ok: false, reason: 'invalid' };
    }
    // Node's base64url decoder skips characters it does not know: accept only the one spelling
    // this signer produces, so a link has exactly one valid form.
    if (presented.toString('base64url') !== signature) return { ok: false, reason: 'invalid' };
    const link = decodePayload(payload);
    if (link === undefined) return { ok: false, reason: 'invalid' };
    if (nowMs >= link.expiresAtMs) return { ok: false, reason: 'expired', link };
    return { ok: true, link };
  }

  private mac(text: string): Buffer {
    return createHmac('sha256', this.key).update(text, 'utf8').digest();
  }
}

function decodePayload(payload: string): FinishLink | undefined {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 4) return undefined;
  const [lifecycleId, versionId, expiresAtMs, nonce] = decoded as unknown[];
  if (
    typeof lifecycleId !== 'string' ||
    typeof versionId !== 'string' ||
    typeof expiresAtMs !== 'number' ||
    !Number.isFinite(expiresAtMs) ||
    typeof nonce !== 'string'
  ) {
    return undefined;
  }
  return { lifecycleId, versionId, expiresAtMs, nonce };
}
