import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** What a lifecycle's history holds: the server stores, replicates and replays all of it. */
export interface HistoryStats {
  /** Events in the history (the most of the sampled ones: timing moves the count by a few). */
  events: number;
  /** The history as the server stores it (protobuf-encoded), bytes, mean of the sample. */
  bytes: number;
  /** Payload bytes in it (data and metadata of every payload: inputs, results, markers, search attributes), mean. */
  payloadBytes: number;
  /** Events by kind, of the history with the most events. */
  byKind: Record<EventKind, number>;
}

export type EventKind =
  | 'workflowTask'
  | 'activity'
  | 'localActivityMarker'
  | 'patchMarker'
  | 'searchAttributeUpsert'
  | 'signal'
  | 'timer'
  | 'other';

/** Histories fetched per measured side. */
const SAMPLE = 5;

/** Fetches the last few of `workflowIds` and measures their histories. */
export async function historyStats(client: Client, workflowIds: string[]): Promise<HistoryStats | undefined> {
  const sample = workflowIds.slice(-SAMPLE);
  if (sample.length === 0) return undefined;
  const histories = await Promise.all(sample.map((id) => client.workflow.getHandle(id).fetchHistory()));
  const measured = histories.map(measure);
  const largest = measured.reduce((a, b) => (b.events > a.events ? b : a));
  const mean = (pick: (m: (typeof measured)[number]) => number) =>
    Math.round(measured.reduce((t, m) => t + pick(m), 0) / measured.length);
  return {
    events: largest.events,
    bytes: mean((m) => m.bytes),
    payloadBytes: mean((m) => m.payloadBytes),
    byKind: largest.byKind,
  };
}

function measure(history: History) {
  const events = history.events ?? [];
  const byKind: Record<EventKind, number> = {
    workflowTask: 0,
    activity: 0,
    localActivityMarker: 0,
    patchMarker: 0,
    searchAttributeUpsert: 0,
    signal: 0,
    timer: 0,
    other: 0,
  };
  for (const event of events) byKind[kindOf(event)] += 1;
  return {
    events: events.length,
    bytes: temporal.api.history.v1.History.encode(history).finish().length,
    payloadBytes: payloadBytes(history),
    byKind,
  };
}

function kindOf(event: HistoryEvent): EventKind {
  if (
    event.workflowTaskScheduledEventAttributes ||
    event.workflowTaskStartedEventAttributes ||
    event.workflowTaskCompletedEventAttributes ||
    event.workflowTaskFailedEventAttributes ||
    event.workflowTaskTimedOutEventAttributes
  )
    return 'workflowTask';
  if (
    event.activityTaskScheduledEventAttributes ||
    event.activityTaskStartedEventAttributes ||
    event.activityTaskCompletedEventAttributes ||
    event.activityTaskFailedEventAttributes ||
    event.activityTaskTimedOutEventAttributes
  )
    return 'activity';
  const marker = event.markerRecordedEventAttributes?.markerName;
  if (marker === 'core_local_activity') return 'localActivityMarker';
  if (marker === 'core_patch') return 'patchMarker';
  if (event.upsertWorkflowSearchAttributesEventAttributes) return 'searchAttributeUpsert';
  if (event.workflowExecutionSignaledEventAttributes) return 'signal';
  if (event.timerStartedEventAttributes || event.timerFiredEventAttributes) return 'timer';
  return 'other';
}

/** Bytes of every payload (data + metadata keys and values) anywhere in the history. */
function payloadBytes(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  if (value instanceof Uint8Array) return 0;
  if (Array.isArray(value)) return value.reduce((t: number, v) => t + payloadBytes(v), 0);
  const record = value as Record<string, unknown>;
  if (record['data'] instanceof Uint8Array && typeof record['metadata'] === 'object') {
    let bytes = record['data'].length;
    for (const [key, meta] of Object.entries((record['metadata'] ?? {}) as Record<string, unknown>))
      bytes += key.length + (meta instanceof Uint8Array ? meta.length : 0);
    return bytes;
  }
  let total = 0;
  for (const child of Object.values(record)) total += payloadBytes(child);
  return total;
}
