/**
 * The rules of the lifecycle's messages, written once, as input-rules.ts holds those of its input:
 * what a GUID is, which stages end a lifecycle, how a lifecycle's id is made, what a repair may
 * ask, which session an interview's completion may name, and how long a text in a message or the
 * status may get. The workflow applies them in its handlers and validators, the client and the
 * gateway's schemas check the same before anything reaches Temporal, and the emulator reads GUIDs
 * by them; test/workflows/message-rules-parity.unit.test.ts holds the copies together. Plain data
 * and pure functions only: the workflow sandbox, the Advance client and the emulator import this.
 */

/** A GUID: 8-4-4-4-12 hexadecimal digits, either case (Advance writes them in lower case). */
export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID_PATTERN.test(value);
}

/** Every stage a lifecycle can be in, in the order a lifecycle meets them. */
export const LIFECYCLE_STAGES = [
  'starting',
  'creating-work-item',
  'beginning-session',
  'waiting-for-interview',
  'completing-session',
  'collecting-documents',
  'idle',
  'saving-session',
  'needs-attention',
  'completed',
  'expired',
  'cancelled',
  'failed',
] as const;

export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** Stages after which nothing more happens: no message changes such a lifecycle. */
export const TERMINAL_STAGES: readonly LifecycleStage[] = ['completed', 'expired', 'cancelled', 'failed'];

export function isTerminal(stage: LifecycleStage): boolean {
  return TERMINAL_STAGES.includes(stage);
}

/**
 * Every lifecycle's workflow id starts so. The tenancy the start names is part of the id, so that
 * one tenancy can neither occupy nor detect another's business key:
 * - `assembly-<tenancy>~<businessKey>`, or `assembly-<tenancy>~wi~<work item id>` without a
 *   business key;
 * - without a tenancy (the worker's default one, which only keys for every tenancy may start):
 *   `assembly-<businessKey>`, or `assembly-wi-<work item id>`.
 * `~` is in neither a tenancy nor a business key (input-rules.ts), so no two inputs share an id.
 * The forms without a tenancy are also the ids of lifecycles started with a tenancy before it was
 * part of the id: `legacyLifecycleWorkflowId` names them, and the client still finds them.
 * The gateway knows no other workflow.
 */
export const LIFECYCLE_ID_PREFIX = 'assembly-';
export const TENANCY_SEPARATOR = '~';
const WORK_ITEM_MARK = 'wi';

interface LifecycleIdFacts {
  tenancy?: string;
  businessKey?: string;
  workItem: { id?: string };
}

/** The workflow id of a lifecycle, so that a repeated start with the same key finds the same one. */
export function lifecycleWorkflowId(input: LifecycleIdFacts): string {
  if (input.tenancy === undefined) return untenantedId(input);
  const scope = `${LIFECYCLE_ID_PREFIX}${input.tenancy}${TENANCY_SEPARATOR}`;
  if (input.businessKey !== undefined) return `${scope}${input.businessKey}`;
  if (input.workItem.id !== undefined)
    return `${scope}${WORK_ITEM_MARK}${TENANCY_SEPARATOR}${input.workItem.id.toLowerCase()}`;
  throw new Error('a lifecycle id needs a business key or a work item id');
}

/**
 * The id a lifecycle with a tenancy had when tenancies were not part of ids (undefined without a
 * tenancy: that id did not change; and without a business key or a chosen work item id, as no
 * earlier start can have made it). It is only a candidate: it is this lifecycle only if the
 * lifecycle found there has the same tenancy.
 */
export function legacyLifecycleWorkflowId(input: LifecycleIdFacts): string | undefined {
  if (input.tenancy === undefined) return undefined;
  if (input.businessKey === undefined && input.workItem.id === undefined) return undefined;
  return untenantedId(input);
}

function untenantedId(input: LifecycleIdFacts): string {
  if (input.businessKey !== undefined) return `${LIFECYCLE_ID_PREFIX}${input.businessKey}`;
  if (input.workItem.id !== undefined)
    return `${LIFECYCLE_ID_PREFIX}${WORK_ITEM_MARK}-${input.workItem.id.toLowerCase()}`;
  throw new Error('a lifecycle id needs a business key or a work item id');
}

export function isLifecycleId(id: string): boolean {
  return id.startsWith(LIFECYCLE_ID_PREFIX);
}

/**
 * A text kept in status or carried in a message, cut to `max` characters with the ellipsis
 * counted, so a bound stated in characters holds.
 */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// ---- repair ---------------------------------------------------------------------------------

/**
 * What an operator may answer a lifecycle in `needs-attention`: `retry` the failed call now,
 * `accept-completed` (Advance did complete the session, though it could not confirm it), or
 * `abandon` (end the lifecycle as failed).
 */
export const REPAIR_ACTIONS = ['retry', 'accept-completed', 'abandon'] as const;
export type RepairAction = (typeof REPAIR_ACTIONS)[number];
export const REPAIR_NOTE_MAX_CHARS = 500;
/** `by`: who repairs (an API key's name, an OS user). */
export const REPAIR_BY_MAX_CHARS = 100;
/** `answersRef.reference`: a document store reference (a URL of the store's own kind). */
export const ANSWERS_REF_MAX_CHARS = 1000;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export const REPAIR_MESSAGES = {
  notObject: 'expected { action, note?, by?, answersRef? }',
  actionInvalid: `action must be one of ${REPAIR_ACTIONS.join(', ')}`,
  noteInvalid: `note must be a string of at most ${REPAIR_NOTE_MAX_CHARS} characters`,
  byInvalid: `by must be a string of 1 to ${REPAIR_BY_MAX_CHARS} characters`,
  unknownFields: (keys: readonly string[]) => `unknown field(s): ${keys.join(', ')}`,
  answersRefInvalid:
    `answersRef must be { reference, sha256 }: a document store reference of at most ` +
    `${ANSWERS_REF_MAX_CHARS} characters and the answer XML's SHA-256 as 64 lower-case hex digits`,
  answersRefOnlyWithRetry: 'answersRef goes with action retry only (the corrected answers, then the retry)',
} as const;

/**
 * Corrected answers for a v2.0 version, put into the document store beforehand: the repair
 * carries only where they are and their checksum, so the answers never enter history.
 */
export interface AnswersReference {
  reference: string;
  sha256: string;
}

function isAnswersReference(value: unknown): value is AnswersReference {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { reference, sha256, ...rest } = value as Record<string, unknown>;
  return (
    typeof reference === 'string' &&
    reference.length > 0 &&
    reference.length <= ANSWERS_REF_MAX_CHARS &&
    typeof sha256 === 'string' &&
    SHA256_HEX.test(sha256) &&
    Object.keys(rest).length === 0
  );
}

/** What is wrong with a repair request's shape, in the order the client reports it; [] when nothing. */
export function repairRequestProblems(request: unknown): string[] {
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    return [REPAIR_MESSAGES.notObject];
  const { action, note, by, answersRef, ...rest } = request as Record<string, unknown>;
  const problems: string[] = [];
  if (!(REPAIR_ACTIONS as readonly unknown[]).includes(action)) problems.push(REPAIR_MESSAGES.actionInvalid);
  if (answersRef !== undefined) {
    if (!isAnswersReference(answersRef)) problems.push(REPAIR_MESSAGES.answersRefInvalid);
    else if (action !== 'retry') problems.push(REPAIR_MESSAGES.answersRefOnlyWithRetry);
  }
  if (note !== undefined && (typeof note !== 'string' || note.length > REPAIR_NOTE_MAX_CHARS))
    problems.push(REPAIR_MESSAGES.noteInvalid);
  if (by !== undefined && (typeof by !== 'string' || by.length === 0 || by.length > REPAIR_BY_MAX_CHARS))
    problems.push(REPAIR_MESSAGES.byInvalid);
  if (Object.keys(rest).length > 0) problems.push(REPAIR_MESSAGES.unknownFields(Object.keys(rest)));
  return problems;
}

// ---- an interview's completion --------------------------------------------------------------

/** The facts of a session that its completion is judged on, in state and in `status` alike. */
export interface SessionFacts {
  versionId: string;
  mode: 'interview' | 'batch';
  /** Set once Advance has begun the session. */
  interview?: unknown;
  interviewCompleted: boolean;
}

/**
 * The lifecycle has not reached its interview yet, but will unless something goes wrong: its
 * active session is an interview Advance has not begun. False once it has ended, needs an
 * operator, or is at an interview already (or a batch): nothing more to wait for then. The
 * `interviewReady` update and the gateway's interview wait both end on it.
 */
export function interviewStillToCome(stage: LifecycleStage, session: SessionFacts | undefined): boolean {
  if (isTerminal(stage) || stage === 'needs-attention') return false;
  return session?.mode === 'interview' && !session.interviewCompleted && session.interview === undefined;
}

/**
 * The session a lifecycle waits for: its interview has begun in Advance and is not reported
 * finished, and the lifecycle waits for it. The interview route signs finish links only for it;
 * `completeInterview` without a version id means it.
 */
export function isWaitingForInterview(stage: LifecycleStage, session: SessionFacts | undefined): boolean {
  return (
    stage === 'waiting-for-interview' &&
    session !== undefined &&
    session.mode === 'interview' &&
    session.interview !== undefined &&
    !session.interviewCompleted
  );
}

/** What the lifecycle knows when a completion arrives: its stage, its sessions. */
export interface CompletionFacts<S extends SessionFacts> {
  stage: LifecycleStage;
  active?: S;
  /** Follow-ups not begun yet: a completion for one is kept until it runs. */
  queue: readonly S[];
  completed: readonly { versionId: string }[];
}

/**
 * How the lifecycle takes a report that the interview of `versionId` (absent: the session it
 * waits for) is finished:
 * - `accept`: it names a session whose interview is still to be reported (the active one, or a
 *   queued follow-up); the lifecycle marks it and completes the session;
 * - `already-finished`: its interview was reported before (`session` is that session), or the
 *   session is completed: nothing changes, so a repeat, or a late report after another path
 *   delivered it, is harmless;
 * - `refused`: nothing of this lifecycle to finish (ended, no such session, a batch session, or
 *   no interview waiting).
 * Only ever the named session: a stale link can never finish a later one.
 */
export type CompletionVerdict<S extends SessionFacts> =
  | { kind: 'accept'; session: S }
  | { kind: 'already-finished'; reason: string; session?: S }
  | { kind: 'refused'; reason: string };

export function completionVerdict<S extends SessionFacts>(
  facts: CompletionFacts<S>,
  versionId: string | undefined,
): CompletionVerdict<S> {
  if (isTerminal(facts.stage)) return { kind: 'refused', reason: `the lifecycle has ended (${facts.stage})` };
  if (versionId === undefined) return waitingSessionVerdict(facts);
  const session =
    facts.active?.versionId === versionId ? facts.active : facts.queue.find((s) => s.versionId === versionId);
  if (session !== undefined) {
    if (session.mode === 'batch') return { kind: 'refused', reason: 'that session is a batch session' };
    if (session.interviewCompleted)
      return { kind: 'already-finished', reason: 'its interview was already reported finished', session };
    return { kind: 'accept', session };
  }
  if (facts.completed.some((c) => c.versionId === versionId))
    return { kind: 'already-finished', reason: 'that session is already completed' };
  return { kind: 'refused', reason: 'no such session' };
}

function waitingSessionVerdict<S extends SessionFacts>(facts: CompletionFacts<S>): CompletionVerdict<S> {
  const { active, stage } = facts;
  if (isWaitingForInterview(stage, active)) return { kind: 'accept', session: active as S };
  if (active?.mode === 'interview' && active.interviewCompleted)
    return {
      kind: 'already-finished',
      reason: 'its interview was already reported finished',
      session: active,
    };
  return { kind: 'refused', reason: `the lifecycle is not waiting for an interview (stage: ${stage})` };
}
