/**
 * The events a lifecycle announces to business systems through the completion webhook
 * (docs/webhooks.md). Dependency-free on purpose (message-rules.ts, plain rules, is all it
 * imports): the workflow builds events with `lifecycleEvent`, the delivery activity sends them, the
 * client's zod schema describes them.
 */

import { truncate } from '../workflows/message-rules';

export const LIFECYCLE_EVENT_TYPES = [
  /** A session was completed and its documents are stored (or listed, without a store). */
  'session.completed',
  /** The lifecycle closed after its last session. */
  'lifecycle.completed',
  /** The interview deadline passed; the session was saved and the lifecycle closed. */
  'lifecycle.expired',
  /** The lifecycle failed on a permanent error (`reason` says which). */
  'lifecycle.failed',
  /** The lifecycle was cancelled; an active session was saved first. */
  'lifecycle.cancelled',
] as const;

export type LifecycleEventType = (typeof LIFECYCLE_EVENT_TYPES)[number];

/**
 * How the announced thing ended: `assembled` / `not-assembled` for `session.completed`
 * (`runAssembly: false`), and the lifecycle's end (`completed`, `expired`, `failed`, `cancelled`)
 * for the `lifecycle.*` events, so a receiver can switch on one field.
 */
export const LIFECYCLE_EVENT_OUTCOMES = [
  'assembled',
  'not-assembled',
  'completed',
  'expired',
  'failed',
  'cancelled',
] as const;

export type LifecycleEventOutcome = (typeof LIFECYCLE_EVENT_OUTCOMES)[number];

/** A stored document as an event names it: enough to fetch it and check what was fetched. */
export interface LifecycleEventDocument {
  documentId: string;
  fileName: string;
  contentType?: string;
  size?: number;
  /** Hex sha256 of the bytes, as the document store recorded them. */
  sha256?: string;
  /** `answers`: the version's answer set (`storeAnswerSet`); absent for an assembled document. */
  kind?: DocumentKind;
  /**
   * `<GATEWAY_PUBLIC_URL>/v1/assemblies/<lifecycleId>/documents/<documentId>`, added at delivery
   * when the worker knows the gateway's public URL; absent otherwise.
   */
  href?: string;
}

/** An operator's repair of the lifecycle while it needed attention, as `lifecycle.*` events list it. */
export interface LifecycleEventRepair {
  /** `retry`, `accept-completed` or `abandon`. */
  action: string;
  /** Who: the gateway API key's name, or the operator's OS user (the CLI). */
  by?: string;
  note?: string;
  at: string;
  /** Why the lifecycle needed attention (`credentials-refused`, ...), and the call that failed. */
  reason: string;
  call: string;
}

/** The JSON body the completion webhook posts. Receivers must ignore fields they do not know. */
export interface LifecycleEvent {
  /** Unique per event and the same on every delivery attempt: receivers deduplicate by it. */
  id: string;
  type: LifecycleEventType;
  /** When it happened (workflow time, ISO 8601): not when this attempt was sent. */
  occurredAt: string;
  /** The lifecycle's workflow id, also the gateway's assembly id. */
  lifecycleId: string;
  businessKey?: string;
  tenancy?: string;
  workItemId: string;
  /** The session concerned: the completed one, or the one saved when the lifecycle expired. */
  versionId?: string;
  documents?: LifecycleEventDocument[];
  outcome?: LifecycleEventOutcome;
  /** Why a lifecycle failed, expired or was cancelled, in words. */
  reason?: string;
  /** `lifecycle.*` events of a lifecycle an operator repaired: the repairs, oldest first (at most 20). */
  repairs?: LifecycleEventRepair[];
  /**
   * `session.completed` of a session Advance could not confirm, which an operator accepted as
   * completed: that repair (`accept-completed`, who, their note, when).
   */
  acceptedBy?: LifecycleEventRepair;
}

/** What a lifecycle knows about itself, as its status reports it. */
export interface LifecycleFacts {
  lifecycleId: string;
  businessKey?: string;
  tenancy?: string;
  workItemId: string;
  versionId?: string;
  /** The completed session's documents (the lifecycle's `LifecycleDocument`s fit). */
  documents?: readonly DocumentFacts[];
  /** For `session.completed`: whether Advance assembled documents. @default true */
  assembled?: boolean;
  reason?: string;
  /** Operators' repairs (the lifecycle's `RepairRecord`s fit); listed on `lifecycle.*` events. */
  repairs?: readonly LifecycleEventRepair[];
  /** For `session.completed`: the `accept-completed` repair that completed the session. */
  acceptedBy?: LifecycleEventRepair;
}

/**
 * A stored document as an event describes it. The lifecycle's `LifecycleDocument` extends it with
 * the store's `reference`, which stays internal.
 */
export interface DocumentFacts {
  documentId: string;
  name: string;
  fileName?: string;
  contentType?: string;
  size?: number;
  sha256?: string;
  /** `answers`: the version's answer set (`storeAnswerSet`); absent for an assembled document. */
  kind?: DocumentKind;
}

/** What a stored document other than an assembled one is. */
export const DOCUMENT_KINDS = ['answers'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** The event's identity: chosen by the workflow so that every retry and replay repeats it. */
export interface EventStamp {
  /** Unique per event, e.g. the workflow's deterministic `uuid4()`. */
  id: string;
  /** Workflow time, ISO 8601. */
  occurredAt: string;
}

/** Longest `reason` an event carries: it travels in history and in every delivery. */
export const MAX_EVENT_REASON_CHARS = 1000;

/** Builds an event from lifecycle facts. Pure: safe in workflow code. */
export function lifecycleEvent(
  type: LifecycleEventType,
  facts: LifecycleFacts,
  stamp: EventStamp,
): LifecycleEvent {
  const event: LifecycleEvent = {
    id: stamp.id,
    type,
    occurredAt: stamp.occurredAt,
    lifecycleId: facts.lifecycleId,
    workItemId: facts.workItemId,
    outcome: outcomeOf(type, facts),
  };
  if (facts.businessKey !== undefined) event.businessKey = facts.businessKey;
  if (facts.tenancy !== undefined) event.tenancy = facts.tenancy;
  if (facts.versionId !== undefined) event.versionId = facts.versionId;
  if (facts.documents !== undefined) event.documents = facts.documents.map(eventDocument);
  if (facts.reason !== undefined) event.reason = truncate(facts.reason, MAX_EVENT_REASON_CHARS);
  if (type !== 'session.completed' && facts.repairs !== undefined && facts.repairs.length > 0)
    event.repairs = facts.repairs.map(eventRepair);
  if (type === 'session.completed' && facts.acceptedBy !== undefined)
    event.acceptedBy = eventRepair(facts.acceptedBy);
  return event;
}

/** The gateway route that streams a document (docs/gateway.md). */
export function documentHref(gatewayPublicUrl: string, lifecycleId: string, documentId: string): string {
  const base = gatewayPublicUrl.replace(/\/+$/, '');
  return `${base}/v1/assemblies/${encodeURIComponent(lifecycleId)}/documents/${encodeURIComponent(documentId)}`;
}

/** The event with a download link on each document; unchanged without a gateway URL. */
export function withDocumentLinks(
  event: LifecycleEvent,
  gatewayPublicUrl: string | undefined,
): LifecycleEvent {
  if (gatewayPublicUrl === undefined || event.documents === undefined) return event;
  return {
    ...event,
    documents: event.documents.map((document) => ({
      ...document,
      href: documentHref(gatewayPublicUrl, event.lifecycleId, document.documentId),
    })),
  };
}

function outcomeOf(type: LifecycleEventType, facts: LifecycleFacts): LifecycleEventOutcome {
  switch (type) {
    case 'session.completed':
      return facts.assembled === false ? 'not-assembled' : 'assembled';
    case 'lifecycle.completed':
      return 'completed';
    case 'lifecycle.expired':
      return 'expired';
    case 'lifecycle.failed':
      return 'failed';
    case 'lifecycle.cancelled':
      return 'cancelled';
  }
}

function eventDocument(document: DocumentFacts): LifecycleEventDocument {
  const described: LifecycleEventDocument = {
    documentId: document.documentId,
    fileName: document.fileName ?? document.name,
  };
  if (document.contentType !== undefined) described.contentType = document.contentType;
  if (document.size !== undefined) described.size = document.size;
  if (document.sha256 !== undefined) described.sha256 = document.sha256;
  if (document.kind !== undefined) described.kind = document.kind;
  return described;
}

function eventRepair(repair: LifecycleEventRepair): LifecycleEventRepair {
  const described: LifecycleEventRepair = {
    action: repair.action,
    at: repair.at,
    reason: repair.reason,
    call: repair.call,
  };
  if (repair.by !== undefined) described.by = repair.by;
  if (repair.note !== undefined) described.note = repair.note;
  return described;
}
