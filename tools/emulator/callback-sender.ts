import { createHmac } from 'node:crypto';
import { DueTasks, postOnce } from './outgoing-posts';

/**
 * The callbacks v2.0 Complete, CreateAndAssemble and SaveAndClose send to their `callbackUrl`.
 * HotDocs documents that a `callbackSecret` "is used to authenticate the callback request" but
 * not how, nor the payload (shared/advance-api-v2.md). ASSUMPTION, documented in docs/emulator.md:
 * a JSON POST whose raw body is signed with HMAC-SHA256 keyed by the callbackSecret, sent as
 * `X-HotDocs-Signature: sha256=<lower-case hex>`; without a secret the header is left out.
 */
export const CALLBACK_SIGNATURE_HEADER = 'x-hotdocs-signature';

export type CallbackEvent = 'VersionCompleted' | 'VersionSaved';

export interface CallbackDelivery {
  /** Order in which callbacks were scheduled, from 1. */
  seq: number;
  event: CallbackEvent;
  /** The callback URL's origin and path: its query (which may carry a token) is not kept. */
  url: string;
  workItemId: string;
  versionId: string;
  /** When it was (or is to be) sent, ISO 8601. */
  dueAt: string;
  /** The version status it carried; set once sent. */
  status?: string;
  signed: boolean;
  outcome: 'pending' | 'delivered' | 'failed' | 'dropped';
  /** The receiver's HTTP status, when it answered. */
  httpStatus?: number;
  /** Why a delivery failed without an answer (network error code). */
  error?: string;
}

export interface ScheduledCallback {
  event: CallbackEvent;
  url: string;
  secret?: string;
  workItemId: string;
  versionId: string;
  /** Epoch ms; now or later. */
  dueAt: number;
  /** Builds the body when it is sent, so it carries the status at that moment. */
  body: () => { status: string; payload: Record<string, unknown> } | undefined;
}

/** The raw-body signature of the callback assumption above. */
export function signCallbackBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Sends callbacks when due; `reset()` and `close()` cancel what is pending or in flight. */
export class CallbackSender {
  private deliveries: CallbackDelivery[] = [];
  private readonly due = new DueTasks();
  private nextSeq = 1;

  constructor(private readonly log: (message: string) => void) {}

  schedule(callback: ScheduledCallback, deliver: boolean): void {
    const delivery: CallbackDelivery = {
      seq: this.nextSeq++,
      event: callback.event,
      url: withoutQuery(callback.url),
      workItemId: callback.workItemId,
      versionId: callback.versionId,
      dueAt: new Date(callback.dueAt).toISOString(),
      signed: callback.secret !== undefined,
      outcome: deliver ? 'pending' : 'dropped',
    };
    this.deliveries.push(delivery);
    if (deliver) this.due.at(callback.dueAt, (signal) => this.send(callback, delivery, signal));
  }

  list(): CallbackDelivery[] {
    return this.deliveries.map((delivery) => ({ ...delivery }));
  }

  /** Cancels pending and in-flight callbacks and forgets the record. */
  reset(): void {
    this.due.cancel();
    this.deliveries = [];
    this.nextSeq = 1;
  }

  close(): void {
    this.due.cancel();
  }

  private async send(
    callback: ScheduledCallback,
    delivery: CallbackDelivery,
    signal: AbortSignal,
  ): Promise<void> {
    const built = callback.body();
    if (built === undefined || signal.aborted) {
      delivery.outcome = 'failed';
      delivery.error = 'the work item no longer exists';
      return;
    }
    delivery.status = built.status;
    const body = JSON.stringify(built.payload);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (callback.secret !== undefined)
      headers[CALLBACK_SIGNATURE_HEADER] = signCallbackBody(body, callback.secret);
    Object.assign(delivery, await postOnce(callback.url, headers, body, signal));
    this.log(`callback ${delivery.event} ${delivery.url} -> ${delivery.httpStatus ?? delivery.error}`);
  }
}

function withoutQuery(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(not a URL)';
  }
}
