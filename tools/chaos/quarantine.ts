import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { ADVANCE_CALL_TIMEOUT_MS } from '../../src/workflows/activity-stubs';
import { summariseEvent } from './evidence';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Histories fetched at once at the end of a run: quick, without crowding the server. */
const HISTORY_READS_AT_ONCE = 8;

/** The activities that complete a session in Advance: a retry of one is an ambiguous completion. */
const COMPLETION_ACTIVITIES: ReadonlySet<string> = new Set(['completeSession', 'assembleVersion']);

/**
 * What the histories of one lifecycle show of the v1.1 quarantine (src/workflows/session-completion.ts):
 * after a CompleteSession that needed a retry, the next session is held back by a durable timer
 * until a request of the lost attempt is dead, at most `ADVANCE_CALL_TIMEOUT_MS`.
 */
export interface QuarantineEvidence {
  /** Completions (CompleteSession, or a v2.0 batch session's one-call assembly) that took more than one attempt. */
  retriedCompletions: number;
  /** Quarantine timers: each one held a session's begin back. */
  waits: Array<{ timerId: string; seconds: number; startedAt?: string }>;
}

/**
 * Finds the quarantine waits in a history by their shape, since the timer carries no name: a
 * timer of at most `ADVANCE_CALL_TIMEOUT_MS` that fired, after which the workflow's next command
 * is the next session's `beginSession` (a regular activity, or the marker of the local one). The
 * lifecycle's other short timers lead elsewhere — the v2.0 wait for a completing version reads its
 * status next, and the idle, deadline and repair waits are longer or are cancelled by the message
 * that ends them.
 */
export function findQuarantine(events: readonly HistoryEvent[]): QuarantineEvidence {
  const shortTimers = new Map<string, { seconds: number; startedAt?: string }>();
  const completions = new Set<number>();
  let fired: Array<QuarantineEvidence['waits'][number]> = [];
  // A local step failed: the workflow hands it to the regular activity, after Advance's
  // Retry-After when it sent one (src/workflows/local-first.ts). That pause is no quarantine.
  let handingOver = false;
  const evidence: QuarantineEvidence = { retriedCompletions: 0, waits: [] };

  for (const event of events) {
    const started = event.timerStartedEventAttributes;
    const scheduled = event.activityTaskScheduledEventAttributes;
    const attempt = event.activityTaskStartedEventAttributes;
    if (started) {
      // A new timer before any begin: whatever fired before did not hold a begin back.
      fired = [];
      const ms = durationMs(started.startToFireTimeout);
      if (started.timerId && ms <= ADVANCE_CALL_TIMEOUT_MS && !handingOver) {
        shortTimers.set(started.timerId, { seconds: ms / 1000, startedAt: summariseEvent(event).time });
      }
    } else if (event.timerFiredEventAttributes) {
      const timerId = event.timerFiredEventAttributes.timerId ?? '';
      const timer = shortTimers.get(timerId);
      if (timer !== undefined) fired.push({ timerId, ...timer });
    } else if (scheduled) {
      const name = scheduled.activityType?.name ?? '';
      if (name === 'beginSession') evidence.waits.push(...fired);
      fired = [];
      handingOver = false;
      if (COMPLETION_ACTIVITIES.has(name)) completions.add(Number(event.eventId));
    } else if (event.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER) {
      // The short steps (and v2.0's one-call assembly) run as local activities: one marker each,
      // written when the step ends, with the attempt that ended it.
      const local = localActivityOf(event);
      if (local.type === 'beginSession') evidence.waits.push(...fired);
      fired = [];
      handingOver = event.markerRecordedEventAttributes.failure != null;
      if (COMPLETION_ACTIVITIES.has(local.type) && local.attempt > 1) evidence.retriedCompletions += 1;
    } else if (attempt && completions.has(Number(attempt.scheduledEventId)) && (attempt.attempt ?? 1) > 1) {
      // The started event is written when the activity closes, with the attempt that closed it.
      evidence.retriedCompletions += 1;
    }
  }
  return evidence;
}

/** The marker a local activity leaves in the history (the SDK's core names it so). */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/** A local activity marker's activity type and the attempt that ended it. */
function localActivityOf(event: HistoryEvent): { type: string; attempt: number } {
  const data = event.markerRecordedEventAttributes?.details?.['data']?.payloads?.[0]?.data;
  if (data == null) return { type: '', attempt: 1 };
  try {
    const parsed = JSON.parse(Buffer.from(data).toString('utf8')) as {
      activity_type?: unknown;
      attempt?: unknown;
    };
    return {
      type: typeof parsed.activity_type === 'string' ? parsed.activity_type : '',
      attempt: typeof parsed.attempt === 'number' ? parsed.attempt : 1,
    };
  } catch {
    return { type: '', attempt: 1 };
  }
}

function durationMs(
  duration: temporal.api.history.v1.ITimerStartedEventAttributes['startToFireTimeout'],
): number {
  if (duration == null) return Number.POSITIVE_INFINITY;
  return Number(duration.seconds ?? 0) * 1000 + Math.floor((duration.nanos ?? 0) / 1e6);
}

/** The quarantine evidence of every lifecycle of a run, for the report. */
export interface RunQuarantine {
  /** Quarantine waits in all histories. */
  waits: number;
  retriedCompletions: number;
  /** Lifecycles held back, with each wait's length in seconds. */
  lifecycles: Record<string, number[]>;
  historiesRead: number;
  /** Lifecycles whose history could not be read, with why: their waits are unknown. */
  unread: string[];
}

/**
 * Reads each lifecycle's history (a few at a time) and adds up what `findQuarantine` finds. The
 * latest run's history: a chaos lifecycle is far too short for the server to suggest continue-as-new.
 */
export async function quarantineOfRun(
  client: Client,
  lifecycleIds: readonly string[],
): Promise<RunQuarantine> {
  const run: RunQuarantine = {
    waits: 0,
    retriedCompletions: 0,
    lifecycles: {},
    historiesRead: 0,
    unread: [],
  };
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let id = lifecycleIds[next++]; id !== undefined; id = lifecycleIds[next++]) {
      let events;
      try {
        events = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
      } catch (error) {
        run.unread.push(`${id}: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      const found = findQuarantine(events);
      run.historiesRead += 1;
      run.retriedCompletions += found.retriedCompletions;
      run.waits += found.waits.length;
      if (found.waits.length > 0) run.lifecycles[id] = found.waits.map((w) => w.seconds);
    }
  };
  await Promise.all(Array.from({ length: HISTORY_READS_AT_ONCE }, lane));
  return run;
}
