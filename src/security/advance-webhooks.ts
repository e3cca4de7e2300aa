import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { AdvanceWebhookCredentials } from '../config/gateway';

/**
 * The credential of HotDocs Advance's own webhooks ("Create a Webhook"): either an HMAC code
 * Advance provides, posted in the form field `token`, or an access token of ours, posted as
 * `Authorization: Bearer <token>`. What the HMAC covers is not documented
 * (`GATEWAY_ADVANCE_WEBHOOK_HMAC_COVERS`, docs/advance-v2.md). Every comparison is constant-time
 * over SHA-256 digests, so neither the content nor the length of the expected value leaks.
 */

/** What a webhook post offers as its credential. */
export interface OfferedWebhookCredential {
  /** The `Authorization` header, as sent. */
  authorization?: string;
  /** The payload's `token` field. */
  token?: string;
  /** The payload's work item id, as sent (what the `work-item` HMAC covers). */
  workItemId?: string;
}

/** True when the post carries a credential this gateway accepts. */
export function verifyAdvanceWebhook(
  credentials: AdvanceWebhookCredentials,
  offered: OfferedWebhookCredential,
): boolean {
  const bearer = /^Bearer\s+(.+)$/i.exec(offered.authorization ?? '')?.[1]?.trim();
  const byBearer =
    credentials.bearerToken !== undefined &&
    bearer !== undefined &&
    sameSecret(bearer, credentials.bearerToken);
  const expectedToken =
    credentials.hmacCode === undefined ? undefined : expectedHmacToken(credentials, offered.workItemId);
  const byHmac =
    expectedToken !== undefined && offered.token !== undefined && sameSecret(offered.token, expectedToken);
  return byBearer || byHmac;
}

/** The `token` Advance posts, under the configured reading of what its HMAC covers. */
export function expectedHmacToken(
  credentials: Pick<AdvanceWebhookCredentials, 'hmacCode' | 'hmacCovers'>,
  workItemId: string | undefined,
): string | undefined {
  const { hmacCode } = credentials;
  if (hmacCode === undefined) return undefined;
  if (credentials.hmacCovers === 'nothing') return hmacCode;
  if (workItemId === undefined) return undefined;
  return createHmac('sha256', hmacCode).update(workItemId, 'utf8').digest('hex');
}

/** Constant-time equality of two secrets of any length (their digests have equal length). */
export function sameSecret(offered: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(offered), digest(expected));
}
