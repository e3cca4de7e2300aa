import type {
  AdvanceClient,
  AssemblyAnswer,
  CallOptions,
  CreateAndAssembleRequest,
  SaveSessionOptions,
} from './client';
import { refusedAsFinished, type FinishInterviewOptions, type InterviewSessionRef } from './core-interview';
import {
  AdvanceConflictError,
  AdvanceNotFoundError,
  AdvanceTransientError,
  AdvanceValidationError,
  AdvanceVersionNotReadyError,
  type AdvanceError,
  type AdvanceOperation,
} from './errors';
import type { AssemblySession, BeginSessionRequest, WorkItem, WorkItemRequest } from './model';
import type { CompletionRequest } from './protocol';
import { versionPhase, type VersionState, type VersionStatus } from './version-status';

/**
 * Calls that are safe to repeat after an ambiguous outcome (a lost response, a 5xx after the
 * change was applied). Every ambiguity in advance-api.md is settled by reading Advance's state —
 * never by `forceCreate`, which would throw away a person's interview answers. On v2.0 that state
 * is the version's own status (`GET …/Versions/{versionId}/Status`); on v1.1 the work item.
 */

/**
 * The session this caller began is in progress, but the server does not expose its interview
 * data, so it cannot be shown. Resume it documented-style: save it, then begin a new session.
 */
export class AdvanceSessionNotRecoverableError extends AdvanceConflictError {
  constructor(workItemId: string, versionId: string) {
    super(
      `beginSession for work item ${workItemId} version ${versionId}: that session is already in progress ` +
        '(begun by an earlier attempt) but Advance does not return its interview data; ' +
        'save it and begin a new session to resume',
      { operation: 'beginSession', workItemId, versionId, reason: 'session-in-progress' },
    );
  }
}

export interface CreateOutcome {
  /** The work item as the server returned or reports it (absent when it answered without a body). */
  workItem?: WorkItem;
  outcome: 'created' | 'already-existed';
}

/** Creates the work item; "already exists" with our own fields counts as created. */
export async function ensureWorkItemCreated(
  client: AdvanceClient,
  item: WorkItemRequest,
  options: CallOptions = {},
): Promise<CreateOutcome> {
  let workItem: WorkItem | undefined;
  let outcome: CreateOutcome['outcome'] = 'created';
  try {
    workItem = await client.createWorkItem(item, options);
  } catch (error) {
    if (!isConflict(error, 'already-exists')) throw error;
    workItem = await client.getWorkItem(item.id, options);
    outcome = 'already-existed';
  }
  // A server that answers a duplicate PUT with 200 returns the existing item: check it is ours.
  const mismatched = workItem === undefined ? [] : differences(workItem, item);
  if (mismatched.length > 0) {
    throw new AdvanceConflictError(
      `createWorkItem for work item ${item.id}: a work item with this id already exists with a different ` +
        `${mismatched.join(', ')}; it was not created by this request (use a new id)`,
      { operation: 'createWorkItem', workItemId: item.id, reason: 'already-exists' },
    );
  }
  return { workItem, outcome };
}

export interface BeginOutcome {
  session: AssemblySession;
  outcome: 'begun' | 'already-in-progress';
}

/**
 * Begins the session (v2.0: creates the version) `versionId`; if Advance says a session is in
 * progress and that session is this very `versionId` (an earlier attempt's response was lost),
 * returns it.
 */
export async function ensureSessionBegun(
  client: AdvanceClient,
  workItemId: string,
  versionId: string,
  request: BeginSessionRequest = {},
  options: CallOptions = {},
): Promise<BeginOutcome> {
  try {
    return { session: await client.beginSession(workItemId, versionId, request, options), outcome: 'begun' };
  } catch (error) {
    if (!isConflict(error, 'session-in-progress') && !isConflict(error, 'version-exists')) throw error;
    if (client.capabilities.versionStatus) {
      return {
        session: await ownSessionByStatus(client, workItemId, versionId, error, options),
        outcome: 'already-in-progress',
      };
    }
    const item = await client.getWorkItem(workItemId, options);
    if (item.activeVersionId !== versionId) {
      const other =
        typeof item.activeVersionId === 'string' ? ` (session ${item.activeVersionId} is in progress)` : '';
      throw withDetail(error, other);
    }
    if (item.activeSession === undefined) throw new AdvanceSessionNotRecoverableError(workItemId, versionId);
    return { session: item.activeSession, outcome: 'already-in-progress' };
  }
}

/** v2.0: our version is in progress (by its status); its interview data comes from the work item. */
async function ownSessionByStatus(
  client: AdvanceClient,
  workItemId: string,
  versionId: string,
  conflict: AdvanceError,
  options: CallOptions,
): Promise<AssemblySession> {
  const own = await readOwnStatus(client, workItemId, versionId, options);
  if (own?.status !== 'InProgress') {
    // Only to name the other version in the message: a failing list must not hide the conflict.
    const inProgress = await client
      .listVersions(workItemId, { status: 'InProgress' }, options)
      .catch(() => []);
    const other = inProgress.find((v) => v.versionId !== versionId)?.versionId;
    throw withDetail(
      conflict,
      other !== undefined
        ? ` (session ${other} is in progress)`
        : ` (version ${versionId} is ${stateText(own)})`,
    );
  }
  const item = await client.getWorkItem(workItemId, options);
  if (item.activeSession?.versionId !== versionId) {
    throw new AdvanceSessionNotRecoverableError(workItemId, versionId);
  }
  return item.activeSession;
}

export interface CompleteOutcome {
  outcome: 'completed' | 'already-completed';
}

/**
 * Completes the in-progress session `versionId` and returns once its documents can be collected;
 * "no active session" counts as done when Advance shows that version completed (v1.1, on a server
 * that lists no versions: its documents). On v2.0 a version still completing throws the retryable
 * `AdvanceVersionNotReadyError`; `ensureVersionCompleted` returns that as an outcome instead.
 */
export async function ensureSessionCompleted(
  client: AdvanceClient,
  workItemId: string,
  versionId: string,
  completion: { runAssembly?: boolean } = {},
  options: CallOptions = {},
): Promise<CompleteOutcome> {
  if (!client.capabilities.versionStatus) {
    return completeActiveSession(client, workItemId, versionId, completion, options);
  }
  const done = await ensureVersionCompleted(client, workItemId, versionId, completion, options);
  if (done.outcome === 'completing') {
    throw new AdvanceVersionNotReadyError(
      `completeSession for work item ${workItemId} version ${versionId}: accepted, but the version is ` +
        `${done.status}; its documents can be collected once it is Completed`,
      { operation: 'completeSession', workItemId, versionId, versionStatus: done.status },
    );
  }
  return { outcome: done.outcome };
}

/** v1.1: CompleteSession acts on the active session; a conflict is settled by the work item. */
async function completeActiveSession(
  client: AdvanceClient,
  workItemId: string,
  versionId: string,
  completion: { runAssembly?: boolean },
  options: CallOptions,
): Promise<CompleteOutcome> {
  try {
    await client.completeSession(workItemId, completion, options);
    return { outcome: 'completed' };
  } catch (error) {
    if (!isConflict(error, 'no-active-session')) throw error;
    const item = await client.getWorkItem(workItemId, options);
    const ours = item.versions?.find((v) => v.versionId === versionId);
    if (ours?.status === 'Completed') return { outcome: 'already-completed' };
    if (item.versions === undefined && completion.runAssembly !== false) {
      // The documented confirmation: the latest completed session's documents are listed.
      const documents = await client.listDocuments(workItemId, options);
      const confirmed =
        documents.length > 0 && documents.every((d) => (d.versionId ?? versionId) === versionId);
      if (confirmed) return { outcome: 'already-completed' };
    }
    throw withDetail(error, ` (version ${versionId} is ${ours?.status ?? 'not known to Advance'})`);
  }
}

export interface VersionCompletion {
  /**
   * `completed`: this call completed it; `already-completed`: an earlier request had; `completing`:
   * accepted but still `Completing` or in post-assembly processing (or that processing failed:
   * `status` says so) — wait, then read the status again (`client.readVersionStatus`): only
   * `Completed` lets documents be collected.
   */
  outcome: 'completed' | 'already-completed' | 'completing';
  status: VersionStatus;
  /** The poll URL Advance returned, if any (informative: the client polls its own status path). */
  statusUrl?: string;
}

/**
 * Completes the version `versionId`, on either protocol. On v2.0 every ambiguity is settled by
 * reading the version's status: a Complete refused as "not in progress" is done when the version
 * is Completed, under way when it is Completing; an answer without a status is followed by a
 * status read. On v1.1 this is `ensureSessionCompleted` (always `Completed`).
 */
export async function ensureVersionCompleted(
  client: AdvanceClient,
  workItemId: string,
  versionId: string,
  completion: CompletionRequest = {},
  options: CallOptions = {},
): Promise<VersionCompletion> {
  if (!client.capabilities.versionStatus) {
    const { outcome } = await completeActiveSession(client, workItemId, versionId, completion, options);
    return { outcome, status: 'Completed' };
  }
  let answer;
  try {
    answer = await client.completeSession(workItemId, { ...completion, versionId }, options);
  } catch (error) {
    if (!isConflict(error, 'no-active-session')) throw error;
    return settledEarlier(client, workItemId, versionId, error, options);
  }
  return assemblyOutcome(client, 'completeSession', workItemId, versionId, answer, options);
}

export interface VersionAssembly extends VersionCompletion {
  /** How this call assembled; absent when an earlier attempt had already done it. */
  via?: AssemblyAnswer['via'];
  /** The session the create-then-complete path began (already completed). */
  session?: AssemblySession;
}

/**
 * Creates the version `versionId` and completes it with assembly — in one CreateAndAssemble call
 * where the server offers it (`client.capabilities.createAndAssemble`), else create + Complete —
 * safe to repeat: a conflict (the version exists, or is the one in progress) is settled by
 * reading where the version stands and finishing what an earlier attempt started.
 */
export async function ensureVersionAssembled(
  client: AdvanceClient,
  workItemId: string,
  versionId: string,
  request: CreateAndAssembleRequest = {},
  options: CallOptions = {},
): Promise<VersionAssembly> {
  let answer: AssemblyAnswer;
  try {
    answer = await client.createAndAssemble(workItemId, versionId, request, options);
  } catch (error) {
    if (!isConflict(error, 'session-in-progress') && !isConflict(error, 'version-exists')) throw error;
    const own = await readOwnStatus(client, workItemId, versionId, options);
    if (own?.status === 'InProgress') {
      await finishEarlierInterview(client, workItemId, versionId, options);
      const completion = request.callback === undefined ? {} : { callback: request.callback };
      return ensureVersionCompleted(client, workItemId, versionId, completion, options);
    }
    return settledEarlier(client, workItemId, versionId, error, options, own);
  }
  const outcome = await assemblyOutcome(client, 'createAndAssemble', workItemId, versionId, answer, options);
  return { ...outcome, via: answer.via, ...(answer.session !== undefined && { session: answer.session }) };
}

/**
 * v2.0: an earlier attempt created the version (its answer was lost) and left it in progress: its
 * Core interview is finished before Complete, as on the main path. Its interview data comes from
 * the work item; a server that does not show it leaves the finish out, and Complete decides.
 */
async function finishEarlierInterview(
  client: AdvanceClient,
  workItemId: string,
  versionId: string,
  options: CallOptions,
): Promise<void> {
  if (!client.capabilities.finishesInterview) return;
  const { activeSession } = await client.getWorkItem(workItemId, options);
  if (activeSession?.versionId !== versionId) return;
  await ensureInterviewFinished(client, activeSession, { workItemId, versionId, ...options });
}

export interface SaveOutcome {
  outcome: 'saved' | 'nothing-in-progress';
}

/**
 * Saves the in-progress session (v2.0: SaveAndClose of `options.versionId`); with none in progress
 * there is nothing to lose.
 */
export async function ensureSessionSaved(
  client: AdvanceClient,
  workItemId: string,
  options: SaveSessionOptions = {},
): Promise<SaveOutcome> {
  try {
    await client.saveSession(workItemId, options);
    return { outcome: 'saved' };
  } catch (error) {
    if (isConflict(error, 'no-active-session')) return { outcome: 'nothing-in-progress' };
    throw error;
  }
}

export interface FinishInterviewOutcome {
  /** `already-finished`: the Core API refused it as done before (or its session is gone). */
  outcome: 'finished' | 'already-finished';
  /** What the Core API said when it refused, for logs. */
  detail?: string;
}

/**
 * v2.0: finishes the interview's Core session, safe to repeat. A repeat after a lost answer, or a
 * session Advance already closed, is refused by the Core API in undocumented ways (404, 409, 410,
 * or a 400 saying so): those are `already-finished`, never a failure — the Complete that follows
 * is what tells whether Advance can assemble. Auth, throttling and 5xx keep their meaning.
 */
export async function ensureInterviewFinished(
  client: AdvanceClient,
  session: InterviewSessionRef,
  options: FinishInterviewOptions = {},
): Promise<FinishInterviewOutcome> {
  try {
    await client.finishInterview(session, options);
    return { outcome: 'finished' };
  } catch (error) {
    if (!refusedAsFinished(error)) throw error;
    return { outcome: 'already-finished', detail: (error as AdvanceError).message };
  }
}

/** `ensureSessionSaved` naming the version, as v2.0 requires (v1.1 ignores it). */
export function ensureVersionSaved(
  client: AdvanceClient,
  workItemId: string,
  versionId: string,
  options: Omit<SaveSessionOptions, 'versionId'> = {},
): Promise<SaveOutcome> {
  return ensureSessionSaved(client, workItemId, { ...options, versionId });
}

/** After a conflict: an earlier request completed the version (or is completing it), or it is an error. */
async function settledEarlier(
  client: AdvanceClient,
  workItemId: string,
  versionId: string,
  conflict: AdvanceError,
  options: CallOptions,
  known?: VersionState,
): Promise<VersionCompletion> {
  const own = known ?? (await readOwnStatus(client, workItemId, versionId, options));
  const phase = own === undefined ? undefined : versionPhase(own.status);
  if (own !== undefined && phase === 'completed') return { outcome: 'already-completed', status: own.status };
  // A failed post-processing is an accepted completion too: completing it again cannot help.
  if (own !== undefined && (phase === 'completing' || phase === 'post-processing-failed'))
    return { outcome: 'completing', status: own.status };
  throw withDetail(conflict, ` (version ${versionId} is ${stateText(own)})`);
}

/** The outcome of an accepted completion; a status read when the answer carried none. */
async function assemblyOutcome(
  client: AdvanceClient,
  operation: AdvanceOperation,
  workItemId: string,
  versionId: string,
  answer: { status?: VersionStatus; statusUrl?: string },
  options: CallOptions,
): Promise<VersionCompletion> {
  const state: VersionState =
    answer.status === undefined
      ? await client.readVersionStatus(workItemId, versionId, options)
      : { versionId, status: answer.status };
  const url = answer.statusUrl === undefined ? {} : { statusUrl: answer.statusUrl };
  const context = { operation, workItemId, versionId };
  switch (versionPhase(state.status)) {
    case 'completed':
      return { outcome: 'completed', status: state.status, ...url };
    case 'completing':
    case 'post-processing-failed':
      // Accepted; a failed post-processing is the status reader's to report (it will not pass by waiting).
      return { outcome: 'completing', status: state.status, ...url };
    case 'in-progress':
      // Accepted, yet not completing: repeating the call is the way on.
      throw new AdvanceTransientError(
        `${operation} for work item ${workItemId} version ${versionId} was accepted but the version still reads InProgress`,
        context,
      );
    case 'ended':
      throw new AdvanceConflictError(
        `${operation} for work item ${workItemId} version ${versionId} was accepted but the version is ${state.status}`,
        { ...context, reason: 'other' },
      );
    case 'unknown':
      throw new AdvanceValidationError(
        `${operation} for work item ${workItemId} version ${versionId}: Advance reports a status this client ` +
          `does not know ("${state.raw ?? 'none'}")`,
        context,
      );
  }
}

/**
 * Our version's status: read on v2.0 (undefined when Advance does not know the version), taken
 * from the work item on v1.1 (undefined when the server lists neither versions nor the active one).
 */
async function readOwnStatus(
  client: AdvanceClient,
  workItemId: string,
  versionId: string,
  options: CallOptions,
): Promise<VersionState | undefined> {
  if (client.capabilities.versionStatus) {
    try {
      return await client.readVersionStatus(workItemId, versionId, options);
    } catch (error) {
      if (error instanceof AdvanceNotFoundError) return undefined;
      throw error;
    }
  }
  const item = await client.getWorkItem(workItemId, options);
  const listed = item.versions?.find((v) => v.versionId === versionId);
  if (listed !== undefined) return listed;
  return item.activeVersionId === versionId ? { versionId, status: 'InProgress' } : undefined;
}

function stateText(state: VersionState | undefined): string {
  if (state === undefined) return 'not known to Advance';
  return state.raw === undefined ? state.status : `"${state.raw}"`;
}

function isConflict(error: unknown, reason: AdvanceConflictError['reason']): error is AdvanceConflictError {
  return error instanceof AdvanceConflictError && error.reason === reason;
}

function differences(existing: WorkItem, wanted: WorkItemRequest): string[] {
  const fields = ['name', 'workGroupId', 'templatePackageId'] as const;
  return fields.filter((f) => {
    const have = existing[f];
    return have !== undefined && have.toLowerCase() !== wanted[f].toLowerCase();
  });
}

function withDetail(error: AdvanceError, detail: string): AdvanceError {
  if (detail !== '' && !error.message.endsWith(detail)) error.message += detail;
  return error;
}
