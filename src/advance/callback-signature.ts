import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How a v2.0 callback is authenticated. HotDocs documents a `callbackSecret` "used to authenticate
 * the callback request" on Complete but not the mechanism (shared/advance-api-v2.md §1.4, §1.9).
 * ASSUMPTION, shared with the emulator and to be checked against a real server: the raw JSON body
 * is signed with HMAC-SHA256 keyed by the callbackSecret and sent as
 * `X-HotDocs-Signature: sha256=<hex>`. A receiver should treat a callback only as a hint to read
 * the version's status, so a wrong assumption here costs a poll interval, never correctness.
 */
export const CALLBACK_SIGNATURE_HEADER = 'x-hotdocs-signature';

export function signCallbackBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Whether `signature` (the header's value) signs `body` with `secret`; compared in constant time. */
export function verifyCallbackSignature(
  body: string | Buffer,
  secret: string,
  signature: string | undefined,
): boolean {
  if (signature === undefined) return false;
  const expected = Buffer.from(signCallbackBody(body, secret));
  const given = Buffer.from(signature.trim().toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}
