import { randomUUID } from 'node:crypto';
import type { DuplicateRecord, VersionSnapshot, WorkItemSnapshot } from '../../tools/emulator';
import { workItemName, type LifecycleOutcome } from '../../tools/chaos/driver';
import { buildReport } from '../../tools/chaos/report';
import { reportInputs } from '../support/chaos-report-inputs';

/**
 * The chaos report counts what Advance holds — work items, completed versions, applied duplicate
 * creates — from the emulator's state, never from what the driver believes it asked for. Here the
 * two disagree, as they would after a bug: the report must side with the emulator and say why.
 */

const RUN = 'unit';

/** What the driver recorded for one batch lifecycle of one session: completed, as far as it knows. */
function driverSaw(index: number): LifecycleOutcome {
  const workItemId = randomUUID();
  const versionId = randomUUID();
  return {
    plan: { index, kind: 'batch', mode: 'batch', followUps: [] },
    lifecycleId: `assembly-wi-${workItemId}`,
    workItemId,
    end: 'completed',
    seconds: 1,
    result: {
      outcome: 'completed',
      workItemId,
      sessions: [
        { versionId, mode: 'batch', completedAt: '2026-01-01T00:00:01Z', assembled: true, documents: [] },
      ],
    },
    interviewsSignalled: [],
    interviewReports: {},
    followUpsSent: 0,
    followUpsUnanswered: { landed: 0, repeated: 0 },
    notes: [],
  };
}

function version(versionId: string, status: VersionSnapshot['status'] = 'Completed'): VersionSnapshot {
  return {
    versionId,
    status,
    createdAt: '2026-01-01T00:00:00Z',
    completedAt: status === 'Completed' ? '2026-01-01T00:00:01Z' : null,
    assembled: status === 'Completed',
    hdaSessionId: randomUUID(),
    coreSessionId: randomUUID(),
    interviewJsUrl: 'http://127.0.0.1/interview.js',
    answerXml: '<AnswerSet/>',
    answers: {},
    documents: [],
    coreSessionOpen: status === 'InProgress',
    interviewFinished: false,
    phaseEndsAt: null,
  };
}

function workItem(id: string, name: string, versions: VersionSnapshot[]): WorkItemSnapshot {
  return {
    id,
    name,
    description: '',
    workGroupId: randomUUID(),
    templatePackageId: randomUUID(),
    createdAt: '2026-01-01T00:00:00Z',
    activeVersionId: versions.find((v) => v.status === 'InProgress')?.versionId ?? null,
    answerXml: null,
    versions,
  };
}

/** The emulator's work item exactly as the driver believes it to be. */
function asAdvanceHolds(outcome: LifecycleOutcome): WorkItemSnapshot {
  return workItem(
    outcome.workItemId!,
    workItemName(RUN, outcome.plan.index),
    outcome.result!.sessions.map((s) => version(s.versionId)),
  );
}

function report(
  outcomes: LifecycleOutcome[],
  workItems: WorkItemSnapshot[],
  duplicates: DuplicateRecord[] = [],
) {
  return buildReport(reportInputs({ runTag: RUN, outcomes, state: { workItems }, duplicates }));
}

test('when Advance holds what the driver saw, the counts agree and nothing is wrong', () => {
  const outcomes = [driverSaw(0), driverSaw(1)];
  expect(report(outcomes, outcomes.map(asAdvanceHolds))).toMatchObject({
    lifecycles: 2,
    completed: 2,
    workItems: 2,
    completedVersions: 2,
    requestedSessions: 2,
    sessionsInProgress: 0,
    duplicateCreatesApplied: 0,
    violations: [],
  });
});

test("a second work item for a lifecycle, and one of nobody's, are counted from Advance", () => {
  const outcomes = [driverSaw(0), driverSaw(1)];
  const duplicate = workItem(randomUUID(), workItemName(RUN, 0), [version(randomUUID())]);
  const stranger = workItem(randomUUID(), 'Created by someone else', []);
  const built = report(outcomes, [...outcomes.map(asAdvanceHolds), duplicate, stranger]);
  expect(built).toMatchObject({ workItems: 4, completedVersions: 3, duplicateCreatesApplied: 1 });
  expect(built.violations).toEqual([
    `${outcomes[0]!.lifecycleId}: 2 work items in the emulator, expected 1`,
    `1 work item(s) belong to no lifecycle: ${stranger.id}`,
    '4 work items for 2 lifecycles',
    '3 completed versions for 2 requested sessions',
  ]);
  expect(built.suspectLifecycles).toEqual([outcomes[0]!.lifecycleId]);
});

test('a duplicate create that Advance applied (an update) is counted and breaks the run', () => {
  const outcomes = [driverSaw(0)];
  const applied: DuplicateRecord = {
    at: '2026-01-01T00:00:02Z',
    endpoint: 'createWorkItem',
    workItemId: outcomes[0]!.workItemId!,
    outcome: 'update',
    status: 200,
  };
  const absorbed: DuplicateRecord = { ...applied, outcome: 'conflict', status: 409 };
  const built = report(outcomes, outcomes.map(asAdvanceHolds), [applied, absorbed]);
  expect(built.duplicateCreatesApplied).toBe(1);
  expect(built.duplicatesAbsorbed).toEqual({ conflict: 1 });
  expect(built.violations).toEqual([
    `a duplicate create was applied to work item ${outcomes[0]!.workItemId} (update)`,
  ]);
});

test('completed versions are those Advance completed: an extra one, and one left in progress', () => {
  const outcomes = [driverSaw(0), driverSaw(1)];
  const [first, second] = outcomes.map(asAdvanceHolds);
  const extra = randomUUID();
  first!.versions.push(version(extra));
  second!.versions.push(version(randomUUID(), 'InProgress'));
  const built = report(outcomes, [first!, second!]);
  expect(built).toMatchObject({ completedVersions: 3, requestedSessions: 2, sessionsInProgress: 1 });
  expect(built.violations).toEqual([
    `${outcomes[0]!.lifecycleId}: 2 completed versions in the emulator, 1 session(s) requested`,
    `${outcomes[0]!.lifecycleId}: the lifecycle reports sessions [${outcomes[0]!.result!.sessions[0]!.versionId}] ` +
      `but the emulator completed [${first!.versions.map((v) => v.versionId).join(', ')}]`,
    `${outcomes[1]!.lifecycleId}: version ${second!.versions[1]!.versionId} is InProgress`,
    '3 completed versions for 2 requested sessions',
    '1 session(s) left in progress',
  ]);
});

test('a lifecycle whose work item Advance never got is found missing, whatever the driver was told', () => {
  const outcomes = [driverSaw(0), driverSaw(1)];
  const built = report(outcomes, [asAdvanceHolds(outcomes[0]!)]);
  expect(built).toMatchObject({ workItems: 1, completedVersions: 1 });
  expect(built.violations).toEqual([
    `${outcomes[1]!.lifecycleId}: 0 work items in the emulator, expected 1`,
    '1 work items for 2 lifecycles',
    '1 completed versions for 2 requested sessions',
  ]);
});
