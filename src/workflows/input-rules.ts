/**
 * The rules of a lifecycle's input, written once: the limits, the patterns and the messages that
 * name each broken rule. Two checkers apply them — the workflow's own (`input.ts`, no
 * dependencies, because the workflow sandbox evaluates every module it imports again for every
 * execution) and the zod schemas clients and the gateway use at the edge
 * (`src/client/input-schema.ts`, which also give the gateway's OpenAPI document). Plain data and
 * pure functions only.
 */
import { GUID_PATTERN } from './message-rules';

export const LIMITS = {
  /** Largest answer XML, in characters. */
  answerXmlChars: 1024 * 1024,
  /** Most reminders one interview may have. */
  reminders: 20,
  businessKeyChars: 200,
  workItemNameChars: 255,
  workItemDescriptionChars: 2000,
  /**
   * Follow-ups one lifecycle may hold queued (not yet begun), unless its input's
   * `followUpLimits.queued` says fewer or more (at most `queuedFollowUpsCeiling`).
   */
  queuedFollowUps: 10,
  queuedFollowUpsCeiling: 100,
  /**
   * Answer XML (UTF-8 bytes) all queued follow-ups may hold together, unless
   * `followUpLimits.queuedAnswerXmlBytes` says otherwise (at most the ceiling): everything queued
   * is carried by continue-as-new in one payload, and Temporal refuses payloads over 2 MB.
   */
  queuedAnswerXmlBytes: 1024 * 1024,
  queuedAnswerXmlBytesCeiling: 1536 * 1024,
  /**
   * The least `attentionRetryEvery`: a lifecycle that needs attention must not hammer Advance
   * (a refused login can lock the principal out) nor fill its history.
   */
  attentionRetryMinMs: 60_000,
  /**
   * Automatic retries in needs-attention back off (the interval doubles) up to this, or up to
   * `attentionRetryEvery` when that is longer.
   */
  attentionRetryCeilingMs: 6 * 3_600_000,
} as const;

/** Defaults of optional input fields that the workflow applies where it uses them. */
export const DEFAULTS = {
  /** How often a lifecycle that needs attention retries on its own (`attentionRetryEvery`). */
  attentionRetryEvery: '15m',
  /**
   * v2.0: how often a lifecycle waiting at the interview reads its version's status
   * (`interview.statusReadEvery`). Coarse: it only catches a completion in Advance's own web app
   * that no webhook reported; about ten history events per read.
   */
  statusReadEvery: '15m',
} as const;

export const PATTERNS = {
  guid: GUID_PATTERN,
  businessKey: /^[A-Za-z0-9._:@/-]+$/,
  tenancy: /^[A-Za-z0-9][A-Za-z0-9.:-]{0,99}$/,
  requestId: /^[A-Za-z0-9._:-]{1,100}$/,
} as const;

/** The fields each object may have; anything else is refused by name. */
export const FIELDS = {
  lifecycleInput: [
    'businessKey',
    'workItem',
    'answerXml',
    'mode',
    'runAssembly',
    'storeDocuments',
    'storeAnswerSet',
    'interview',
    'tenancy',
    'keepOpenFor',
    'attentionRetryEvery',
    'followUpLimits',
  ],
  followUpLimits: ['queued', 'queuedAnswerXmlBytes'],
  workItem: ['id', 'name', 'workGroupId', 'templatePackageId', 'description'],
  interview: ['deadline', 'reminders', 'statusReadEvery'],
  followUpRequest: ['answerXml', 'mode', 'runAssembly', 'requestId'],
  interviewCompleted: ['versionId'],
} as const;

/** Every message a broken rule produces, so both checkers say exactly the same thing. */
export const MESSAGES = {
  lifecycleInputNotObject:
    'the lifecycle input must be a JSON object: { workItem: { name, workGroupId, templatePackageId }, ... }',
  followUpNotObject:
    'a follow-up request must be a JSON object: { answerXml?, mode?, runAssembly?, requestId? }',
  interviewCompletedNotObject: 'expected { versionId }',
  completeInterviewNotObject: 'expected { versionId? }',
  workItemRequired: 'workItem is required: { name, workGroupId, templatePackageId }',
  interviewNotObject: 'interview must be an object: { deadline?, reminders?, statusReadEvery? }',
  guidNotString: (what: string) => `${what} must be a GUID string`,
  guidMalformed: (what: string) => `${what} must be a GUID (8-4-4-4-12 hex digits)`,
  durationNotString: (what: string) => `${what} must be a duration string such as "24h" or "14d"`,
  durationMalformed: (what: string) => `${what} must be a duration such as "30m", "24h" or "14d"`,
  attentionRetryTooShort:
    'attentionRetryEvery must be at least 1m (the least time between automatic retries)',
  booleanExpected: (what: string) => `${what} must be true or false`,
  modeInvalid: 'mode must be "interview" or "batch"',
  answerSetNeedsStoredDocuments:
    'storeAnswerSet: true stores the answers beside the documents: it needs storeDocuments (leave it out or set it true)',
  answerXmlNotString: 'answerXml must be a string',
  answerXmlTooLong: `answerXml must be at most ${LIMITS.answerXmlChars} characters`,
  answerXmlEmpty: 'answerXml must not be empty (leave it out instead)',
  businessKeyNotString: 'businessKey must be a string',
  businessKeyEmpty: 'businessKey must not be empty',
  businessKeyTooLong: `businessKey must be at most ${LIMITS.businessKeyChars} characters`,
  businessKeyMalformed: 'businessKey may only hold letters, digits and . _ : @ / -',
  workItemNameNotString: 'workItem.name must be a string',
  workItemNameRequired: 'workItem.name is required',
  workItemNameTooLong: `workItem.name must be at most ${LIMITS.workItemNameChars} characters`,
  descriptionNotString: 'workItem.description must be a string',
  descriptionTooLong: `workItem.description must be at most ${LIMITS.workItemDescriptionChars} characters`,
  remindersNotList: 'interview.reminders must be a list of durations',
  tooManyReminders: `interview.reminders may hold at most ${LIMITS.reminders} entries`,
  reminderNotBeforeDeadline: (reminder: string) =>
    `interview.reminders: "${reminder}" is not before the deadline`,
  tenancyNotString: 'tenancy must be a string',
  tenancyMalformed: 'tenancy must be a tenancy name (letters, digits, . : -)',
  requestIdNotString: 'requestId must be a string',
  requestIdMalformed: 'requestId may hold 1-100 letters, digits and . _ : -',
  followUpLimitsNotObject: 'followUpLimits must be an object: { queued?, queuedAnswerXmlBytes? }',
  queuedLimitInvalid: `followUpLimits.queued must be a whole number from 1 to ${LIMITS.queuedFollowUpsCeiling}`,
  queuedBytesLimitInvalid: `followUpLimits.queuedAnswerXmlBytes must be a whole number from 1 to ${LIMITS.queuedAnswerXmlBytesCeiling}`,
  followUpQueueFull: (queued: number) =>
    `${queued} follow-up(s) are already queued, the most this lifecycle takes (followUpLimits.queued): ` +
    'ask again once one has begun',
  followUpAnswersTooLarge: (bytes: number, limit: number) =>
    `the queued follow-ups' answer XML would come to ${bytes} bytes, more than this lifecycle takes ` +
    `(followUpLimits.queuedAnswerXmlBytes = ${limit}): ask again once one has begun`,
  unknownFields: (keys: readonly string[], where?: string) =>
    `unknown field(s)${where ? ` in ${where}` : ''}: ${keys.join(', ')}`,
} as const;

/** Whether `attentionRetryEvery` (in ms, already a valid duration) is long enough. */
export function attentionRetryAllowed(ms: number): boolean {
  return ms >= LIMITS.attentionRetryMinMs;
}

/**
 * The wait before automatic retry `retries` (0 for the first) of a lifecycle in needs-attention:
 * `every`, doubled at each retry, up to the ceiling (or `every`, when that is longer).
 */
export function attentionRetryDelayMs(everyMs: number, retries: number): number {
  const ceiling = Math.max(everyMs, LIMITS.attentionRetryCeilingMs);
  return Math.min(ceiling, everyMs * 2 ** Math.min(retries, 30));
}

/** Whether a duration in ms is allowed: positive, or zero where `allowZero`. */
export function durationAllowed(ms: number | undefined, allowZero: boolean): boolean {
  return ms !== undefined && (allowZero ? ms >= 0 : ms > 0);
}
