import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { attentionReason, repairRefusal, UnconfirmedOutcome } from '../../src/workflows/lifecycle-attention';
import { FailureType } from '../../src/workflows/failure-types';
import type { AttentionStatus } from '../../src/workflows/lifecycle-status';
import { checkLifecycleInput } from '../../src/workflows/input';
import { attentionRetryDelayMs, MESSAGES } from '../../src/workflows/input-rules';
import { checkLifecycleInputBySchema } from '../../src/client/input-schema';

/**
 * Which faults make a lifecycle wait for an operator, and which repairs it takes there, as plain
 * functions: what the workflow decides on, without running one.
 */

function activityFailure(type: string): ActivityFailure {
  return new ActivityFailure(
    'Activity task failed',
    'completeSession',
    '1',
    undefined,
    undefined,
    ApplicationFailure.create({ type, message: 'Advance said no', nonRetryable: true }),
  );
}

describe('attentionReason', () => {
  test.each([
    [FailureType.AdvanceAuth, 'acquireToken', 'credentials-refused'],
    [FailureType.AdvanceForbidden, 'beginSession', 'forbidden'],
    [FailureType.AdvanceConflict, 'completeSession', 'outcome-unconfirmed'],
    // A conflict anywhere else is not an operator's to settle: it fails as before.
    [FailureType.AdvanceConflict, 'beginSession', undefined],
    [FailureType.InvalidLifecycleInput, 'createWorkItem', undefined],
  ])('%s at %s: %s', (type, call, reason) => {
    expect(attentionReason(activityFailure(type), call)).toBe(reason);
  });

  test("the workflow's own unconfirmed outcome, and nothing else that is not an activity's failure", () => {
    expect(attentionReason(new UnconfirmedOutcome('the version is now Failed'), 'readVersionStatus')).toBe(
      'outcome-unconfirmed',
    );
    expect(attentionReason(new Error('a bug'), 'completeSession')).toBeUndefined();
  });
});

describe('repairRefusal', () => {
  const attention = (reason: AttentionStatus['reason']): AttentionStatus => ({
    reason,
    call: 'completeSession',
    message: 'm',
    since: 'then',
    retries: 0,
  });
  const waiting = (reason: AttentionStatus['reason']) => ({
    stage: 'needs-attention' as const,
    attention: attention(reason),
  });

  test('a lifecycle that needs attention takes retry and abandon, accept-completed only for an unconfirmed outcome', () => {
    expect(repairRefusal({ action: 'retry' }, waiting('forbidden'), false)).toBeUndefined();
    expect(repairRefusal({ action: 'abandon', note: 'n' }, waiting('forbidden'), false)).toBeUndefined();
    expect(
      repairRefusal({ action: 'accept-completed' }, waiting('outcome-unconfirmed'), false),
    ).toBeUndefined();
    expect(repairRefusal({ action: 'accept-completed' }, waiting('credentials-refused'), false)).toBe(
      'accept-completed is for an unconfirmed completion, not for credentials-refused',
    );
  });

  test('nothing to repair, or a repair under way', () => {
    expect(repairRefusal({ action: 'retry' }, { stage: 'waiting-for-interview' }, false)).toBe(
      'the lifecycle does not need attention (it is waiting-for-interview)',
    );
    expect(repairRefusal({ action: 'retry' }, waiting('forbidden'), true)).toBe(
      'another repair is being carried out',
    );
  });

  test("a request of the wrong shape, in the client's words", () => {
    expect(repairRefusal({ action: 'reboot', note: 7, colour: 'red' }, waiting('forbidden'), false)).toBe(
      'action must be one of retry, accept-completed, abandon; ' +
        'note must be a string of at most 500 characters; unknown field(s): colour',
    );
    expect(repairRefusal(null, waiting('forbidden'), false)).toBe(
      'expected { action, note?, by?, answersRef? }',
    );
  });

  describe('corrected answers (answersRef)', () => {
    const answersRef = { reference: 'file:///store/w/v/corrected-answers.xml', sha256: 'a'.repeat(64) };
    const v2 = { protocol: { answerSets: true }, active: { versionId: 'v' } };
    const failed = { ...waiting('post-processing-failed'), ...v2 };

    test('a v2.0 lifecycle with a session takes them with a retry', () => {
      expect(repairRefusal({ action: 'retry', answersRef }, failed, false)).toBeUndefined();
    });

    test('only with retry, and only a reference with a checksum', () => {
      expect(repairRefusal({ action: 'abandon', answersRef }, failed, false)).toBe(
        'answersRef goes with action retry only (the corrected answers, then the retry)',
      );
      const invalid = [
        { reference: '', sha256: 'a'.repeat(64) },
        { reference: 'x'.repeat(1001), sha256: 'a'.repeat(64) },
        { reference: 'file:///a', sha256: 'A'.repeat(64) },
        { reference: 'file:///a', sha256: 'a'.repeat(63) },
        { reference: 'file:///a' },
        { ...answersRef, xml: '<AnswerSet/>' },
        '<AnswerSet/>',
      ];
      for (const bad of invalid) {
        expect(repairRefusal({ action: 'retry', answersRef: bad }, failed, false)).toMatch(
          /^answersRef must be \{ reference, sha256 \}/,
        );
      }
    });

    test('refused on v1.1 (no answer sets, or a lifecycle from before protocol facts) and without a session', () => {
      const v1 = "corrected answers need Advance's answer sets (API v2.0); this tenancy's API has none";
      expect(
        repairRefusal({ action: 'retry', answersRef }, { ...failed, protocol: { answerSets: false } }, false),
      ).toBe(v1);
      expect(repairRefusal({ action: 'retry', answersRef }, waiting('forbidden'), false)).toBe(v1);
      expect(
        repairRefusal(
          { action: 'retry', answersRef },
          { ...waiting('forbidden'), protocol: v2.protocol },
          false,
        ),
      ).toBe('corrected answers need a session in Advance; the lifecycle has none');
    });
  });
});

describe('bounded attention', () => {
  test('attentionRetryEvery under a minute is refused with one message by both checkers', () => {
    const start = {
      workItem: {
        name: 'n',
        workGroupId: '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11',
        templatePackageId: '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a12',
      },
    };
    for (const every of ['1ms', '59s']) {
      const input = { ...start, attentionRetryEvery: every };
      expect(checkLifecycleInput(input)).toEqual({ ok: false, problems: [MESSAGES.attentionRetryTooShort] });
      expect(checkLifecycleInputBySchema(input)).toMatchObject({
        ok: false,
        problems: [MESSAGES.attentionRetryTooShort],
      });
      // Runs of lifecycles started before the rule take it as they did.
      expect(checkLifecycleInput(input, { attentionRetry: false }).ok).toBe(true);
    }
    expect(checkLifecycleInput({ ...start, attentionRetryEvery: '1m' }).ok).toBe(true);
  });

  test('automatic retries back off from the interval to the ceiling (or the interval, when longer)', () => {
    const minute = 60_000;
    expect([0, 1, 2, 3, 8, 9, 50].map((n) => attentionRetryDelayMs(minute, n) / minute)).toEqual([
      1, 2, 4, 8, 256, 360, 360,
    ]);
    expect(attentionRetryDelayMs(24 * 60 * minute, 5)).toBe(24 * 60 * minute);
  });
});
