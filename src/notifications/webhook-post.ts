import { request } from 'undici';
import { serverAttributes, withClientSpan } from '../observability/tracing-http';
import { SIGNATURE_HEADER, signWebhookBody } from './webhook-signature';

/**
 * One signed POST of a JSON body to an integrator's webhook, and what its answer means for a
 * retry. Shared by the reminder webhook and the completion webhook.
 */

export type WebhookKind = 'reminder' | 'completion';

export interface WebhookTarget {
  url: string;
  /** HMAC-SHA256 key; receivers verify `X-HotDocs-Signature` (webhook-signature.ts). */
  secret: string;
  /** How long one attempt waits for the whole answer. @default 10_000 */
  timeoutMs?: number;
  /** Told how every attempt ended (metrics). @default none */
  onAttempt?: (attempt: WebhookAttempt) => void;
}

/**
 * How one POST ended: `delivered` (a 2xx), `refused` (a 3xx or 4xx other than 408/425/429: not
 * retried) or `failed` (5xx, 408/425/429, a timeout or no connection: retried).
 */
export interface WebhookAttempt {
  webhook: WebhookKind;
  outcome: 'delivered' | 'refused' | 'failed';
  /** The receiver's HTTP status; undefined when no answer came. */
  status?: number;
  durationMs: number;
}

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

/** Statuses that say "try again later": timeouts, too early, throttled, and every 5xx. */
const RETRYABLE_4XX = new Set([408, 425, 429]);
/** A `Retry-After` longer than this is not believed (one attempt would outlive the plan). */
const MAX_RETRY_AFTER_MS = 3_600_000;

export class WebhookDeliveryError extends Error {
  constructor(
    message: string,
    readonly webhook: WebhookKind,
    /** false: the receiver refused the request itself (a 3xx or 4xx); repeating it cannot help. */
    readonly retryable: boolean,
    readonly status?: number,
    /** The receiver's `Retry-After`, when it gave one with a retryable answer. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'WebhookDeliveryError';
  }
}

/**
 * POSTs `body` signed for now; resolves with the 2xx status, or throws `WebhookDeliveryError`
 * (retryable or not). The URL never appears in a message: it may carry a token. An attempt that
 * ends otherwise (the activity was cancelled) is not reported to `onAttempt`.
 */
export async function postSignedJson(
  webhook: WebhookKind,
  target: WebhookTarget,
  body: string,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<{ status: number }> {
  const started = performance.now();
  const report = (outcome: WebhookAttempt['outcome'], status: number | undefined) =>
    target.onAttempt?.({ webhook, outcome, status, durationMs: performance.now() - started });
  try {
    const answer = await postOnce(webhook, target, body, headers, signal);
    report('delivered', answer.status);
    return answer;
  } catch (error) {
    if (error instanceof WebhookDeliveryError) report(error.retryable ? 'failed' : 'refused', error.status);
    throw error;
  }
}

async function postOnce(
  webhook: WebhookKind,
  target: WebhookTarget,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<{ status: number }> {
  const name = `${webhook} webhook`;
  const timeoutMs = target.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const aborted = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
  const signature = signWebhookBody(body, target.secret, Math.floor(Date.now() / 1000));
  let status: number;
  let retryAfter: string | string[] | undefined;
  try {
    // A CLIENT span, and `traceparent` on the post when tracing is on: the receiver can join the trace.
    const response = await withClientSpan(
      `POST ${name}`,
      { 'http.request.method': 'POST', 'hotdocs.webhook': webhook, ...serverAttributes(target.url) },
      (traceHeaders) =>
        request(target.url, {
          method: 'POST',
          headers: {
            ...headers,
            ...traceHeaders,
            'content-type': 'application/json',
            'user-agent': 'hotdocs-advance-temporal',
            [SIGNATURE_HEADER]: signature,
          },
          body,
          signal: aborted,
        }),
      (answer) => answer.statusCode,
    );
    status = response.statusCode;
    retryAfter = response.headers['retry-after'];
    // The answer's body means nothing to us; read a little of it so the connection can be reused.
    await response.body.dump({ limit: 64 * 1024, signal: aborted });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    const why = timeout.aborted ? `no answer within ${timeoutMs} ms` : (error as Error).message;
    throw new WebhookDeliveryError(`${name} unreachable: ${why}`, webhook, true);
  }
  if (status >= 200 && status < 300) return { status };
  if (status >= 500 || RETRYABLE_4XX.has(status)) {
    const retryAfterMs = retryAfterMsOf(retryAfter);
    throw new WebhookDeliveryError(`${name} answered HTTP ${status}`, webhook, true, status, retryAfterMs);
  }
  throw new WebhookDeliveryError(
    `${name} refused the request: HTTP ${status}${refusalHint(status)}`,
    webhook,
    false,
    status,
  );
}

function refusalHint(status: number): string {
  if (status >= 300 && status < 400) return ' (a redirect: configure the final URL)';
  if (status === 401 || status === 403) return " (check the shared secret and the receiver's access rules)";
  if (status === 410) return ' (the receiver says the endpoint is gone)';
  return '';
}

/** `Retry-After` as seconds or an HTTP date; undefined when absent, unreadable or unbelievable. */
export function retryAfterMsOf(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === '') return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_RETRY_AFTER_MS) return undefined;
  return ms;
}
