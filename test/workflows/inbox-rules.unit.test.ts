import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../../src/workflows/failure-types';
import { LifecycleInbox } from '../../src/workflows/lifecycle-inbox';
import { initialState, type ActiveSession, type LifecycleState } from '../../src/workflows/lifecycle-state';
import type { LifecycleView } from '../../src/workflows/lifecycle-view';
import { completionVerdict, type LifecycleStage } from '../../src/workflows/message-rules';
import type { NormalizedLifecycleInput } from '../../src/workflows/input';

/**
 * The inbox's rule for an interview's completion, as plain functions on plain state: the update
 * (validator and handler) and the signal take the same report the same way, and only ever the
 * session it names.
 */

const ACTIVE = '11111111-1111-4111-8111-111111111111';
const QUEUED = '22222222-2222-4222-8222-222222222222';
const DONE = '33333333-3333-4333-8333-333333333333';
const UNKNOWN = '44444444-4444-4444-8444-444444444444';

const input: NormalizedLifecycleInput = {
  workItem: { name: 'Lease', workGroupId: DONE, templatePackageId: DONE },
  mode: 'interview',
  runAssembly: true,
  storeDocuments: true,
};

/** A lifecycle waiting for the interview of ACTIVE, with QUEUED queued and DONE completed. */
function waitingState(
  overrides: Partial<ActiveSession> = {},
  stage: LifecycleStage = 'waiting-for-interview',
) {
  const state = initialState(input, { workItemId: DONE, requestId: 'r1', versionId: ACTIVE }, 'now');
  state.stage = stage;
  Object.assign(state.active as ActiveSession, {
    interview: { hdaSessionId: 'h', coreSessionId: 'c', interviewJsUrl: 'u' },
    ...overrides,
  });
  state.queue.push({
    requestId: 'r2',
    versionId: QUEUED,
    mode: 'interview',
    runAssembly: true,
    via: 'signal',
    requestedAt: 'now',
    interviewCompleted: false,
  });
  state.completed.push({
    versionId: DONE,
    mode: 'interview',
    completedAt: 'then',
    assembled: true,
    documents: [],
  });
  return state;
}

function inboxOf(state: LifecycleState): LifecycleInbox {
  const view = { state, options: input } as unknown as LifecycleView;
  return new LifecycleInbox(view);
}

describe('completionVerdict', () => {
  test.each([
    ['the waiting session', ACTIVE, 'accept'],
    ['a queued follow-up (kept until it runs)', QUEUED, 'accept'],
    ['a completed session: a stale link', DONE, 'already-finished'],
    ['a session of no one', UNKNOWN, 'refused'],
    ['no version: the session the lifecycle waits for', undefined, 'accept'],
  ])('%s', (_, versionId, kind) => {
    const verdict = completionVerdict(waitingState(), versionId);
    expect(verdict.kind).toBe(kind);
    if (verdict.kind === 'accept') expect(verdict.session.versionId).toBe(versionId ?? ACTIVE);
  });

  test('a session already reported is already finished, and names itself', () => {
    const verdict = completionVerdict(waitingState({ interviewCompleted: true }), ACTIVE);
    expect(verdict).toMatchObject({ kind: 'already-finished', session: { versionId: ACTIVE } });
    const unnamed = completionVerdict(waitingState({ interviewCompleted: true }), undefined);
    expect(unnamed).toMatchObject({ kind: 'already-finished', session: { versionId: ACTIVE } });
  });

  test('a batch session is refused', () => {
    expect(completionVerdict(waitingState({ mode: 'batch' }), ACTIVE)).toEqual({
      kind: 'refused',
      reason: 'that session is a batch session',
    });
  });

  test.each(['completed', 'expired', 'cancelled', 'failed'] as const)(
    'a lifecycle that has %s takes nothing, named or not',
    (stage) => {
      for (const versionId of [ACTIVE, undefined]) {
        expect(completionVerdict(waitingState({}, stage), versionId)).toEqual({
          kind: 'refused',
          reason: `the lifecycle has ended (${stage})`,
        });
      }
    },
  );

  test('without a version, only a begun interview the lifecycle waits for is accepted', () => {
    const notBegun = waitingState({ interview: undefined }, 'beginning-session');
    expect(completionVerdict(notBegun, undefined)).toEqual({
      kind: 'refused',
      reason: 'the lifecycle is not waiting for an interview (stage: beginning-session)',
    });
    // Named, an early report is kept for the session (it has not begun yet).
    expect(completionVerdict(notBegun, ACTIVE).kind).toBe('accept');
  });
});

describe('the update and the signal', () => {
  test('the update marks the named session and answers accepted, then already-finished', () => {
    const state = waitingState();
    const inbox = inboxOf(state);
    expect(() => inbox.validateCompleteInterview({ versionId: ACTIVE })).not.toThrow();
    expect(inbox.completeInterview({ versionId: ACTIVE })).toEqual({
      outcome: 'accepted',
      versionId: ACTIVE,
    });
    expect(state.active?.interviewCompleted).toBe(true);
    expect(state.queue[0]?.interviewCompleted).toBe(false);
    expect(inbox.completeInterview({ versionId: ACTIVE })).toEqual({
      outcome: 'already-finished',
      versionId: ACTIVE,
    });
    expect(inbox.completeInterview({ versionId: DONE })).toEqual({
      outcome: 'already-finished',
      versionId: DONE,
    });
    expect(state.rejected).toEqual([]);
  });

  test('the validator refuses with the type the client tells apart, and changes nothing', () => {
    const state = waitingState();
    const inbox = inboxOf(state);
    for (const request of [
      { versionId: UNKNOWN },
      { versionId: 'not-a-guid' },
      { versionId: ACTIVE, extra: 1 },
    ]) {
      let refusal: unknown;
      try {
        inbox.validateCompleteInterview(request as { versionId: string });
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toBeInstanceOf(ApplicationFailure);
      expect((refusal as ApplicationFailure).type).toBe(FailureType.InterviewCompletionRefused);
    }
    expect(state.active?.interviewCompleted).toBe(false);
    expect(state.rejected).toEqual([]);
  });

  test('a late update after the signal changes nothing, and so does a late signal after the update', () => {
    const first = waitingState();
    const signalFirst = inboxOf(first);
    signalFirst.interviewCompleted({ versionId: ACTIVE });
    expect(signalFirst.completeInterview({ versionId: ACTIVE }).outcome).toBe('already-finished');

    const second = waitingState();
    const updateFirst = inboxOf(second);
    expect(updateFirst.completeInterview({}).outcome).toBe('accepted');
    updateFirst.interviewCompleted({ versionId: ACTIVE });
    for (const state of [first, second]) {
      expect(state.active?.interviewCompleted).toBe(true);
      expect(state.rejected).toEqual([]);
    }
  });

  test('the signal records what it refuses, by the same rule', () => {
    const state = waitingState();
    const inbox = inboxOf(state);
    inbox.interviewCompleted({ versionId: DONE });
    inbox.interviewCompleted({ versionId: UNKNOWN });
    inbox.interviewCompleted({ versionId: 'v1' });
    expect(state.rejected.map((r) => [r.name, r.reason, r.versionId])).toEqual([
      ['interviewCompleted', 'that session is already completed', DONE],
      ['interviewCompleted', 'no such session', UNKNOWN],
      ['interviewCompleted', 'versionId must be a GUID (8-4-4-4-12 hex digits)', undefined],
    ]);
    expect(state.active?.interviewCompleted).toBe(false);
  });
});
