import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { findQuarantine } from '../../tools/chaos/quarantine';

/**
 * The chaos report counts v1.1's quarantine waits by their shape in the histories. Recorded
 * histories (test/histories/quarantine, by test/support/record-quarantine-histories.ts; the other
 * recorded histories) show that the shape is found where the workflow waits and nowhere else.
 */
function events(file: string): temporal.api.history.v1.IHistoryEvent[] {
  const { history } = JSON.parse(readFileSync(file, 'utf8')) as { history: unknown };
  return historyFromJSON(history).events ?? [];
}

const REPLAY_HISTORIES = path.resolve(__dirname, '..', 'histories');
const QUARANTINE = 'quarantine';
const CHAOS_HISTORIES = path.join(REPLAY_HISTORIES, QUARANTINE);

test('v1.1: a CompleteSession that needed a retry shows as one quarantine wait of about two minutes', () => {
  const found = findQuarantine(events(path.join(CHAOS_HISTORIES, 'v1.1-retried-complete-quarantine.json')));
  expect(found.retriedCompletions).toBe(1);
  expect(found.waits).toHaveLength(1);
  expect(found.waits[0]!.seconds).toBeGreaterThan(119);
  expect(found.waits[0]!.seconds).toBeLessThanOrEqual(120);
});

test('v2.0: a retried completion and short status-read timers are no quarantine wait', () => {
  const history = events(path.join(CHAOS_HISTORIES, 'v2.0-retried-complete-no-quarantine.json'));
  // The history has what could be mistaken for one: a short timer that fired, then a later begin.
  const shortFired = history.filter(
    (e) =>
      e.timerStartedEventAttributes &&
      Number(e.timerStartedEventAttributes.startToFireTimeout?.seconds) < 120,
  );
  expect(shortFired.length).toBeGreaterThan(0);
  expect(
    history.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'beginSession'),
  ).toBe(true);

  const found = findQuarantine(history);
  expect(found.retriedCompletions).toBe(1);
  expect(found.waits).toEqual([]);
});

test('no recorded replay history (interviews, follow-ups, expiry, cancellation) has a quarantine wait', () => {
  const files = readdirSync(REPLAY_HISTORIES, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.json') && !f.startsWith(`${QUARANTINE}${path.sep}`));
  expect(files.length).toBeGreaterThanOrEqual(8);
  for (const file of files) {
    expect({ file, waits: findQuarantine(events(path.join(REPLAY_HISTORIES, file))).waits }).toEqual({
      file,
      waits: [],
    });
  }
});

/** A local activity's marker as the SDK's core writes it: its data names the type and the attempt. */
function localMarker(
  eventId: unknown,
  activityType: string,
  attempt: number,
  failed = false,
): temporal.api.history.v1.IHistoryEvent {
  const data = Buffer.from(
    JSON.stringify({ seq: 1, attempt, activity_id: '1', activity_type: activityType }),
  );
  return {
    eventId: eventId as temporal.api.history.v1.IHistoryEvent['eventId'],
    markerRecordedEventAttributes: {
      markerName: 'core_local_activity',
      details: { data: { payloads: [{ data }] } },
      ...(failed && { failure: { message: 'Advance answered 429' } }),
    },
  };
}

test('v1.1 with the short steps local: the wait before a local beginSession is found as well', () => {
  // The same history, with every beginSession written as the marker of its local activity.
  const history = events(path.join(CHAOS_HISTORIES, 'v1.1-retried-complete-quarantine.json')).map((e) =>
    e.activityTaskScheduledEventAttributes?.activityType?.name === 'beginSession'
      ? localMarker(e.eventId, 'beginSession', 1)
      : e,
  );
  expect(
    history.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'beginSession'),
  ).toBe(false);
  const found = findQuarantine(history);
  expect(found.waits).toHaveLength(1);
  expect(found.waits[0]!.seconds).toBeGreaterThan(119);
});

test('a local one-call assembly (v2.0) that needed a second attempt counts as a retried completion', () => {
  expect(findQuarantine([localMarker(5, 'assembleVersion', 1)]).retriedCompletions).toBe(0);
  expect(findQuarantine([localMarker(5, 'assembleVersion', 2)]).retriedCompletions).toBe(1);
  expect(findQuarantine([localMarker(5, 'beginSession', 3)]).retriedCompletions).toBe(0);
});

test("a failed local step's pause for Advance's Retry-After, before the regular activity takes over, is no quarantine", () => {
  const timer = (eventId: number): temporal.api.history.v1.IHistoryEvent[] => [
    {
      eventId: eventId as never,
      timerStartedEventAttributes: { timerId: `t${eventId}`, startToFireTimeout: { seconds: 1 as never } },
    },
    { eventId: (eventId + 1) as never, timerFiredEventAttributes: { timerId: `t${eventId}` } },
  ];
  const regularBegin = (eventId: number): temporal.api.history.v1.IHistoryEvent => ({
    eventId: eventId as never,
    activityTaskScheduledEventAttributes: { activityType: { name: 'beginSession' } },
  });
  // The shape in a v2.0 chaos run: local begin failed (429), 1 s pause, begin as a regular activity.
  expect(
    findQuarantine([localMarker(12, 'beginSession', 3, true), ...timer(13), regularBegin(18)]).waits,
  ).toEqual([]);
  // The same pause after a step that succeeded would still be counted.
  expect(
    findQuarantine([localMarker(12, 'completeSession', 1), ...timer(13), regularBegin(18)]).waits,
  ).toHaveLength(1);
});
