import type { LifecycleEventRecord } from '../../src/workflows/lifecycle-status';
import { LIMITS } from '../../src/workflows/input-rules';
import {
  MAX_COMPLETED_RECORDS,
  MAX_EVENT_RECORDS,
  MAX_REJECTED,
  MAX_REMINDER_RECORDS,
  STATUS_SIZE_LIMIT,
  initialState,
  toStatus,
  type LifecycleState,
} from '../../src/workflows/lifecycle-state';

/**
 * The documented bound on `status` holds for the worst a lifecycle can hold: every bounded list
 * full, every free text at the length it is truncated to, in three-byte characters. Raising a
 * bound (or adding an unbounded field and filling it here) shows up as a failure of this test.
 */

const GUID = '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11';
const AT = '2026-11-28T10:00:00.000Z';
/** `truncate(text, n)` keeps n characters and adds one. */
const text = (chars: number) => '€'.repeat(chars + 1);
const times = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

function worstCaseState(): LifecycleState {
  const input = {
    businessKey: 'b'.repeat(LIMITS.businessKeyChars),
    tenancy: 't'.repeat(100),
    workItem: { name: 'w', workGroupId: GUID, templatePackageId: GUID },
    mode: 'interview' as const,
    runAssembly: true,
    storeDocuments: true,
  };
  const state = initialState(input, { workItemId: GUID, requestId: GUID, versionId: GUID }, AT);
  state.active!.interview = {
    hdaSessionId: GUID,
    coreSessionId: GUID,
    interviewJsUrl: `https://${'u'.repeat(300)}`,
  };
  state.queue = times(LIMITS.queuedFollowUpsCeiling, () => ({
    requestId: 'r'.repeat(100),
    versionId: GUID,
    answerXml: 'not shown in status',
    mode: 'interview',
    runAssembly: true,
    via: 'update',
    requestedAt: AT,
    interviewCompleted: false,
  }));
  state.completed = times(MAX_COMPLETED_RECORDS, () => ({
    versionId: GUID,
    mode: 'interview',
    completedAt: AT,
    assembled: true,
    documents: [],
    warning: 'w'.repeat(300),
  }));
  state.rejected = times(MAX_REJECTED, () => ({
    name: 'requestFollowUpSession',
    reason: text(300),
    at: AT,
    versionId: GUID,
  }));
  state.reminders = times(MAX_REMINDER_RECORDS, () => ({
    versionId: GUID,
    sentAt: AT,
    delivered: false,
    detail: text(300),
  }));
  state.events = times(MAX_EVENT_RECORDS, (): LifecycleEventRecord => ({
    id: GUID,
    type: 'lifecycle.completed',
    occurredAt: AT,
    deliveryWorkflowId: `lifecycle-event-${GUID}-${'x'.repeat(100)}`,
    delivery: {
      eventId: GUID,
      eventType: 'lifecycle.completed',
      delivered: false,
      outcome: 'gave-up',
      attempts: 999_999,
      lastError: text(500),
      at: text(40),
    },
  }));
  state.repairs = times(20, () => ({
    action: 'accept-completed',
    by: '€'.repeat(100),
    note: '€'.repeat(500),
    at: AT,
    reason: 'outcome-unconfirmed',
    call: 'completeSession',
  }));
  state.attention = {
    reason: 'outcome-unconfirmed',
    call: 'completeSession',
    message: text(500),
    since: AT,
    retries: 999_999,
    nextRetryAt: AT,
  };
  state.lastError = { message: text(1000), stage: 'completing-session', at: AT };
  return state;
}

test('status stays within its documented size when every bound is reached', () => {
  const state = worstCaseState();
  const bytes = Buffer.byteLength(JSON.stringify(toStatus(state, { businessKey: 'b'.repeat(200) })));
  expect(bytes).toBeLessThanOrEqual(STATUS_SIZE_LIMIT.fixedBytes);
  expect(bytes).toBeGreaterThan(STATUS_SIZE_LIMIT.fixedBytes * 0.75); // the bound is tight, not a guess
});

test('a listed document with names of 60 characters fits its share', () => {
  const state = worstCaseState();
  const without = Buffer.byteLength(JSON.stringify(toStatus(state, {})));
  state.completed[0]!.documents = times(10, () => ({
    documentId: GUID,
    name: 'n'.repeat(60),
    fileName: `${'f'.repeat(55)}.docx`,
    contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    size: 1_234_567_890,
    sha256: 'a'.repeat(64),
    reference: `s3://bucket/${'p'.repeat(60)}/${GUID}/${GUID}`,
  }));
  const withDocuments = Buffer.byteLength(JSON.stringify(toStatus(state, {})));
  expect((withDocuments - without) / 10).toBeLessThanOrEqual(STATUS_SIZE_LIMIT.bytesPerDocument);
});
