import { createHmac, timingSafeEqual } from 'node:crypto';
import type { LifecycleEvent } from './lifecycle-events';

/**
 * The signature every webhook of ours carries (reminders and lifecycle events), and its check on
 * the receiving side — one module, so that sender and receivers cannot drift apart. The scheme:
 *
 *   X-HotDocs-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">
 *
 * The timestamp is inside the signed text, so a receiver can refuse an old request replayed by
 * someone who captured it; each delivery attempt is signed afresh. docs/webhooks.md shows the
 * check for receivers in TypeScript and in Python.
 */

export const SIGNATURE_HEADER = 'x-hotdocs-signature';
/** The lifecycle event's `id`, repeated as a header so a receiver can deduplicate before parsing. */
export const EVENT_ID_HEADER = 'x-hotdocs-event-id';
/** How old (or how far ahead) a signature's timestamp may be. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The header value for `body` signed at `timestampSeconds`. */
export function signWebhookBody(body: string, secret: string, timestampSeconds: number): string {
  return `t=${timestampSeconds},v1=${hmacHex(secret, timestampSeconds, body)}`;
}

/** Why a receiver refused a request; each has its own answer (docs/webhooks.md). */
export type WebhookRefusal =
  | 'missing-signature'
  | 'malformed-signature'
  | 'bad-signature'
  | 'stale-timestamp'
  | 'malformed-body'
  | 'event-id-mismatch'
  | 'duplicate-event';

export class WebhookVerificationError extends Error {
  constructor(
    readonly code: WebhookRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

export interface VerifyWebhookOptions {
  /** The shared HMAC key (the worker's `COMPLETION_WEBHOOK_SECRET` or `REMINDER_WEBHOOK_SECRET`). */
  secret: string;
  /** Oldest (and furthest ahead) signature accepted, in seconds. @default 300 */
  toleranceSeconds?: number;
  /**
   * Ids of events already handled: one of them is refused as `duplicate-event`. The check only
   * reads; add an id once its event is handled (a failed handling must stay retryable).
   * @default no duplicate check
   */
  seen?: { has(id: string): boolean };
  /** The receiver's clock, in unix seconds. @default now */
  nowSeconds?: number;
}

/** A request as a receiver has it: the raw body (before any JSON parsing) and its headers. */
export interface SignedRequest {
  body: string | Buffer;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * Checks a webhook request and returns its parsed body, or throws `WebhookVerificationError`:
 * signature missing, malformed or wrong (a tampered body or header), timestamp outside the
 * tolerance (a replay), event id header not the body's, or an event already seen.
 */
export function verifyWebhook<T = LifecycleEvent>(request: SignedRequest, options: VerifyWebhookOptions): T {
  const header = headerValue(request.headers, SIGNATURE_HEADER);
  if (header === undefined) throw refusal('missing-signature', `no ${SIGNATURE_HEADER} header`);
  const parts = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header.trim());
  if (parts === null) throw refusal('malformed-signature', `${SIGNATURE_HEADER} is not t=<unix>,v1=<hex>`);
  const timestamp = Number(parts[1]);
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body, 'utf8');
  const expected = Buffer.from(hmacHex(options.secret, timestamp, body), 'hex');
  if (!timingSafeEqual(Buffer.from(parts[2] as string, 'hex'), expected))
    throw refusal('bad-signature', 'the signature does not match the body');
  const age = (options.nowSeconds ?? Math.floor(Date.now() / 1000)) - timestamp;
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(age) > tolerance)
    throw refusal('stale-timestamp', `signed ${age} s ago, outside the ${tolerance} s tolerance`);
  const parsed = parseJson(body);
  const id = parsed?.['id'];
  const idHeader = headerValue(request.headers, EVENT_ID_HEADER);
  if (idHeader !== undefined && idHeader !== id)
    throw refusal('event-id-mismatch', `${EVENT_ID_HEADER} is not the body's id`);
  if (options.seen !== undefined) {
    if (typeof id !== 'string') throw refusal('malformed-body', 'the body has no string "id"');
    if (options.seen.has(id)) throw refusal('duplicate-event', `event ${id} was already handled`);
  }
  return parsed as T;
}

function hmacHex(secret: string, timestampSeconds: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.`).update(body).digest('hex');
}

/** Node lowercases header names; other frameworks may not. */
function headerValue(headers: SignedRequest['headers'], name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw refusal('malformed-body', 'the body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw refusal('malformed-body', 'the body is not a JSON object');
  return parsed as Record<string, unknown>;
}

function refusal(code: WebhookRefusal, message: string): WebhookVerificationError {
  return new WebhookVerificationError(code, message);
}
