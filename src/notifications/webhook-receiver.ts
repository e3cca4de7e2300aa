import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LifecycleEvent } from './lifecycle-events';
import {
  verifyWebhook,
  WebhookVerificationError,
  type VerifyWebhookOptions,
  type WebhookRefusal,
} from './webhook-signature';

/**
 * A ready-made receiver of lifecycle events for Node's `http` server (or anything that passes
 * Node's request and response, such as Express): verifies each request, hands every event to
 * `onEvent` once, and answers so that the sender stops or retries as it should:
 *
 * - 204: handled;  200: a duplicate of an event already handled (stop sending it);
 * - 503 with Retry-After: the same event is being handled right now (send it again later);
 * - 500: `onEvent` threw (send it again later: it was not handled);
 * - 401: signature missing, wrong or stale;  400: not a JSON event;  413: too large;  405.
 */

export interface LifecycleEventReceiverOptions {
  /** The shared HMAC key (the worker's `COMPLETION_WEBHOOK_SECRET`). */
  secret: string;
  /** Oldest signature accepted, in seconds. @default 300 */
  toleranceSeconds?: number;
  /**
   * Ids of events already handled. Keep them at least as long as the sender retries (24h by
   * default): a retry carries the same id with a new signature.
   * @default an in-memory Set (one process only; use your database across processes)
   */
  seen?: { has(id: string): boolean; add(id: string): unknown };
  /** Handles a verified event, once per id. Throw to answer 500 and have it sent again. */
  onEvent(event: LifecycleEvent, request: IncomingMessage): Promise<void> | void;
  /** Told about every refused request (for logs: it carries no secret). */
  onRefusal?(error: WebhookVerificationError, request: IncomingMessage): void;
  /** Told when `onEvent` threw or the request broke off (answered 500 when still possible). */
  onError?(error: unknown, request: IncomingMessage): void;
  /** Largest body accepted, in bytes. @default 1_048_576 */
  maxBodyBytes?: number;
}

const REFUSAL_STATUS: Record<WebhookRefusal, number> = {
  'missing-signature': 401,
  'malformed-signature': 401,
  'bad-signature': 401,
  'stale-timestamp': 401,
  'malformed-body': 400,
  'event-id-mismatch': 400,
  'duplicate-event': 200,
};

export function lifecycleEventReceiver(
  options: LifecycleEventReceiverOptions,
): (request: IncomingMessage, response: ServerResponse) => void {
  const seen = options.seen ?? new Set<string>();
  const inProgress = new Set<string>();
  const verifyOptions: VerifyWebhookOptions = {
    secret: options.secret,
    toleranceSeconds: options.toleranceSeconds,
    seen,
  };

  const receive = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method !== 'POST') return void response.writeHead(405, { allow: 'POST' }).end();
    const body = await readBody(request, options.maxBodyBytes ?? 1_048_576);
    if (body === undefined) return void response.writeHead(413).end();
    let event: LifecycleEvent;
    try {
      event = verifyWebhook<LifecycleEvent>({ body, headers: request.headers }, verifyOptions);
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      options.onRefusal?.(error, request);
      return void response.writeHead(REFUSAL_STATUS[error.code]).end();
    }
    if (inProgress.has(event.id)) return void response.writeHead(503, { 'retry-after': '5' }).end();
    inProgress.add(event.id);
    try {
      await options.onEvent(event, request);
      seen.add(event.id);
    } finally {
      inProgress.delete(event.id);
    }
    response.writeHead(204).end();
  };

  return (request, response) => {
    receive(request, response).catch((error: unknown) => {
      options.onError?.(error, request);
      if (!response.headersSent) response.writeHead(500).end();
    });
  };
}

/** The raw body, or undefined when it exceeds `limit` (the rest is not read). */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
