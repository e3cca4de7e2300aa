import { parseDuration } from './duration';
import { attentionRetryAllowed, durationAllowed, FIELDS, LIMITS, MESSAGES, PATTERNS } from './input-rules';

/**
 * The lifecycle's input types and the workflow's own check of them: a start from any Temporal
 * client (the `temporal` CLI, another SDK) gets the same rules (input-rules.ts) as our client and
 * gateway, which apply them with zod (src/client/input-schema.ts). Answer XML is checked in full
 * (XML parser) at the edge and by the activities; here only its size and type.
 */

export type SessionMode = 'interview' | 'batch';

/** What a business system passes to start a lifecycle. */
export interface LifecycleInput {
  businessKey?: string;
  workItem: {
    id?: string;
    name: string;
    workGroupId: string;
    templatePackageId: string;
    description?: string;
  };
  answerXml?: string;
  /** @default 'interview' */
  mode?: SessionMode;
  /** @default true */
  runAssembly?: boolean;
  /** @default true */
  storeDocuments?: boolean;
  /**
   * v2.0: after each version completes, its answer set (`AnswerSet/Content`) is stored beside its
   * documents as a document of kind `answers`. Needs `storeDocuments`; on a v1.1 tenancy, which
   * has no answer-set call, the lifecycle is refused at its start.
   * @default false
   */
  storeAnswerSet?: boolean;
  interview?: {
    deadline?: string;
    reminders?: string[];
    /**
     * v2.0: how often the lifecycle reads its version's status while it waits at the interview, to
     * notice a version completed in Advance's own web app (or a client interview) that nobody
     * reported; Advance's webhook, where registered, makes it read at once.
     * @default DEFAULTS.statusReadEvery in input-rules.ts ('15m')
     */
    statusReadEvery?: string;
  };
  tenancy?: string;
  keepOpenFor?: string;
  /**
   * How often a lifecycle that needs attention (a refused login, a 403, a completion Advance cannot
   * confirm) retries on its own, until an operator repairs it.
   * @default DEFAULTS.attentionRetryEvery in input-rules.ts ('15m')
   */
  attentionRetryEvery?: string;
  /** Bounds on what waits in the follow-up queue; requests beyond them are refused. */
  followUpLimits?: FollowUpLimits;
}

export interface FollowUpLimits {
  /**
   * Follow-ups queued (asked for, not begun yet) at most; at most 100.
   * @default 10
   */
  queued?: number;
  /**
   * Answer XML of all queued follow-ups together, in UTF-8 bytes; at most 1,572,864 (1.5 MiB), as
   * continue-as-new carries it in one payload.
   * @default 1048576 (1 MiB)
   */
  queuedAnswerXmlBytes?: number;
}

/** The input with its defaults applied. */
export interface NormalizedLifecycleInput extends LifecycleInput {
  mode: SessionMode;
  runAssembly: boolean;
  storeDocuments: boolean;
}

export interface FollowUpRequest {
  answerXml?: string;
  mode?: SessionMode;
  runAssembly?: boolean;
  /** The caller's idempotency key: a repeated request with the same id queues nothing new. */
  requestId?: string;
}

export interface InterviewCompletedSignal {
  versionId: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: string[] };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Collects problems; each reader takes a field as zod's optional() does (undefined = absent). */
class Problems {
  readonly list: string[] = [];
  add(problem: string): void {
    this.list.push(problem);
  }
  unknownKeys(object: Json, allowed: readonly string[], where?: string): void {
    const unknown = Object.keys(object).filter((k) => !allowed.includes(k));
    if (unknown.length > 0) this.add(MESSAGES.unknownFields(unknown, where));
  }
  guid(value: unknown, what: string): string | undefined {
    if (typeof value !== 'string') return void this.add(MESSAGES.guidNotString(what));
    if (!PATTERNS.guid.test(value)) return void this.add(MESSAGES.guidMalformed(what));
    return value;
  }
  bool(value: unknown, what: string, fallback?: boolean): boolean | undefined {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') return void this.add(MESSAGES.booleanExpected(what));
    return value;
  }
  duration(value: unknown, what: string, { allowZero = false } = {}): string | undefined {
    if (typeof value !== 'string') return void this.add(MESSAGES.durationNotString(what));
    if (!durationAllowed(parseDuration(value), allowZero))
      return void this.add(MESSAGES.durationMalformed(what));
    return value;
  }
  mode(value: unknown): SessionMode | undefined {
    if (value === 'interview' || value === 'batch') return value;
    return void this.add(MESSAGES.modeInvalid);
  }
  answerXml(value: unknown): string | undefined {
    if (typeof value !== 'string') return void this.add(MESSAGES.answerXmlNotString);
    if (value.length > LIMITS.answerXmlChars) return void this.add(MESSAGES.answerXmlTooLong);
    if (value.trim() === '') return void this.add(MESSAGES.answerXmlEmpty);
    return value;
  }
  wholeNumber(value: unknown, max: number, message: string): number | undefined {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max) return value;
    return void this.add(message);
  }
  businessKey(value: string): string | undefined {
    // Each rule on its own, as zod reports them.
    const before = this.list.length;
    if (value.length === 0) this.add(MESSAGES.businessKeyEmpty);
    if (value.length > LIMITS.businessKeyChars) this.add(MESSAGES.businessKeyTooLong);
    if (!PATTERNS.businessKey.test(value)) this.add(MESSAGES.businessKeyMalformed);
    return this.list.length === before ? value : undefined;
  }
  result<T>(value: T): Checked<T> {
    return this.list.length === 0 ? { ok: true, value } : { ok: false, problems: this.list };
  }
}

function checkWorkItem(value: unknown, p: Problems): NormalizedLifecycleInput['workItem'] | undefined {
  if (!isObject(value)) return void p.add(MESSAGES.workItemRequired);
  const workItem: Partial<NormalizedLifecycleInput['workItem']> = {};
  if (value['id'] !== undefined) workItem.id = p.guid(value['id'], 'workItem.id');
  const name = value['name'];
  if (typeof name !== 'string') p.add(MESSAGES.workItemNameNotString);
  else if (name.trim() === '') p.add(MESSAGES.workItemNameRequired);
  else if (name.trim().length > LIMITS.workItemNameChars) p.add(MESSAGES.workItemNameTooLong);
  else workItem.name = name.trim();
  workItem.workGroupId = p.guid(value['workGroupId'], 'workItem.workGroupId');
  workItem.templatePackageId = p.guid(value['templatePackageId'], 'workItem.templatePackageId');
  const description = value['description'];
  if (description !== undefined) {
    if (typeof description !== 'string') p.add(MESSAGES.descriptionNotString);
    else if (description.length > LIMITS.workItemDescriptionChars) p.add(MESSAGES.descriptionTooLong);
    else workItem.description = description;
  }
  p.unknownKeys(value, FIELDS.workItem, 'workItem');
  return workItem as NormalizedLifecycleInput['workItem'];
}

function checkInterview(value: unknown, p: Problems): NormalizedLifecycleInput['interview'] {
  if (value === undefined) return undefined;
  if (!isObject(value)) return void p.add(MESSAGES.interviewNotObject);
  const interview: NonNullable<NormalizedLifecycleInput['interview']> = {};
  if (value['deadline'] !== undefined)
    interview.deadline = p.duration(value['deadline'], 'interview.deadline');
  const reminders = value['reminders'];
  if (reminders !== undefined) {
    if (!Array.isArray(reminders)) p.add(MESSAGES.remindersNotList);
    else if (reminders.length > LIMITS.reminders) p.add(MESSAGES.tooManyReminders);
    else interview.reminders = reminders.map((r) => p.duration(r, 'interview.reminders[]') ?? '');
  }
  if (value['statusReadEvery'] !== undefined)
    interview.statusReadEvery = p.duration(value['statusReadEvery'], 'interview.statusReadEvery');
  p.unknownKeys(value, FIELDS.interview, 'interview');
  return interview;
}

function checkFollowUpLimits(value: unknown, p: Problems): FollowUpLimits | undefined {
  if (!isObject(value)) return void p.add(MESSAGES.followUpLimitsNotObject);
  const limits: FollowUpLimits = {};
  if (value['queued'] !== undefined)
    limits.queued = p.wholeNumber(
      value['queued'],
      LIMITS.queuedFollowUpsCeiling,
      MESSAGES.queuedLimitInvalid,
    );
  if (value['queuedAnswerXmlBytes'] !== undefined) {
    limits.queuedAnswerXmlBytes = p.wholeNumber(
      value['queuedAnswerXmlBytes'],
      LIMITS.queuedAnswerXmlBytesCeiling,
      MESSAGES.queuedBytesLimitInvalid,
    );
  }
  p.unknownKeys(value, FIELDS.followUpLimits, 'followUpLimits');
  return limits;
}

/** Reminders must come before the deadline; checked, as zod's refinement is, once all else is valid. */
function checkRemindersBeforeDeadline(input: Partial<NormalizedLifecycleInput>, p: Problems): void {
  if (p.list.length > 0 || input.interview?.deadline === undefined) return;
  const deadline = parseDuration(input.interview.deadline) ?? 0;
  for (const reminder of input.interview.reminders ?? []) {
    if ((parseDuration(reminder) ?? 0) >= deadline) p.add(MESSAGES.reminderNotBeforeDeadline(reminder));
  }
}

/** Checks a lifecycle's input and applies its defaults. */
/**
 * `minimums.attentionRetry: false` skips the least `attentionRetryEvery`, for runs of lifecycles
 * started before it existed (the workflow asks `patched()`, workflows.ts).
 */
export function checkLifecycleInput(
  value: unknown,
  minimums: { attentionRetry: boolean } = { attentionRetry: true },
): Checked<NormalizedLifecycleInput> {
  const p = new Problems();
  if (!isObject(value)) {
    p.add(MESSAGES.lifecycleInputNotObject);
    return p.result(undefined as unknown as NormalizedLifecycleInput);
  }
  const input: Partial<NormalizedLifecycleInput> = {};
  const businessKey = value['businessKey'];
  if (businessKey !== undefined) {
    if (typeof businessKey !== 'string') p.add(MESSAGES.businessKeyNotString);
    else input.businessKey = p.businessKey(businessKey);
  }
  input.workItem = checkWorkItem(value['workItem'], p);
  if (value['answerXml'] !== undefined) input.answerXml = p.answerXml(value['answerXml']);
  input.mode = value['mode'] === undefined ? 'interview' : p.mode(value['mode']);
  input.runAssembly = p.bool(value['runAssembly'], 'runAssembly', true);
  input.storeDocuments = p.bool(value['storeDocuments'], 'storeDocuments', true);
  if (value['storeAnswerSet'] !== undefined) {
    input.storeAnswerSet = p.bool(value['storeAnswerSet'], 'storeAnswerSet');
    if (input.storeAnswerSet === true && input.storeDocuments === false)
      p.add(MESSAGES.answerSetNeedsStoredDocuments);
  }
  const interview = checkInterview(value['interview'], p);
  if (interview !== undefined) input.interview = interview;
  const tenancy = value['tenancy'];
  if (tenancy !== undefined) {
    if (typeof tenancy !== 'string') p.add(MESSAGES.tenancyNotString);
    else if (!PATTERNS.tenancy.test(tenancy)) p.add(MESSAGES.tenancyMalformed);
    else input.tenancy = tenancy;
  }
  if (value['keepOpenFor'] !== undefined) {
    input.keepOpenFor = p.duration(value['keepOpenFor'], 'keepOpenFor', { allowZero: true });
  }
  if (value['attentionRetryEvery'] !== undefined) {
    input.attentionRetryEvery = p.duration(value['attentionRetryEvery'], 'attentionRetryEvery');
    const everyMs = parseDuration(input.attentionRetryEvery ?? '');
    if (everyMs !== undefined && !attentionRetryAllowed(everyMs) && minimums.attentionRetry)
      p.add(MESSAGES.attentionRetryTooShort);
  }
  if (value['followUpLimits'] !== undefined)
    input.followUpLimits = checkFollowUpLimits(value['followUpLimits'], p);
  p.unknownKeys(value, FIELDS.lifecycleInput);
  checkRemindersBeforeDeadline(input, p);
  return p.result(input as NormalizedLifecycleInput);
}

/** Checks a follow-up request (absent = `{}`). */
export function checkFollowUpRequest(value: unknown): Checked<FollowUpRequest> {
  const p = new Problems();
  const request = value ?? {};
  if (!isObject(request)) {
    p.add(MESSAGES.followUpNotObject);
    return p.result({});
  }
  const followUp: FollowUpRequest = {};
  if (request['answerXml'] !== undefined) followUp.answerXml = p.answerXml(request['answerXml']);
  if (request['mode'] !== undefined) followUp.mode = p.mode(request['mode']);
  if (request['runAssembly'] !== undefined)
    followUp.runAssembly = p.bool(request['runAssembly'], 'runAssembly');
  const requestId = request['requestId'];
  if (requestId !== undefined) {
    if (typeof requestId !== 'string') p.add(MESSAGES.requestIdNotString);
    else if (!PATTERNS.requestId.test(requestId)) p.add(MESSAGES.requestIdMalformed);
    else followUp.requestId = requestId;
  }
  p.unknownKeys(request, FIELDS.followUpRequest);
  return p.result(followUp);
}

/** UTF-8 length of a string, without TextEncoder (the workflow sandbox keeps to plain JS here). */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4; // a surrogate pair: one code point of four bytes
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Checks a `completeInterview` request (absent = `{}`: the session the lifecycle waits for). */
export function checkCompleteInterviewRequest(value: unknown): Checked<{ versionId?: string }> {
  const p = new Problems();
  const request = value ?? {};
  if (!isObject(request)) {
    p.add(MESSAGES.completeInterviewNotObject);
    return p.result({});
  }
  const checked: { versionId?: string } = {};
  if (request['versionId'] !== undefined) checked.versionId = p.guid(request['versionId'], 'versionId');
  p.unknownKeys(request, FIELDS.interviewCompleted);
  return p.result(checked);
}

export function checkInterviewCompleted(value: unknown): Checked<InterviewCompletedSignal> {
  const p = new Problems();
  if (!isObject(value)) {
    p.add(MESSAGES.interviewCompletedNotObject);
    return p.result({ versionId: '' });
  }
  const versionId = p.guid(value['versionId'], 'versionId');
  p.unknownKeys(value, FIELDS.interviewCompleted);
  return p.result({ versionId: versionId ?? '' });
}
