import type { AdvanceClient, CallOptions } from './client';
import { AdvanceConflictError, type AdvanceError } from './errors';
import type { AssemblySession, BeginSessionRequest, WorkItem, WorkItemRequest } from './model';

/**
 * Calls that are safe to repeat after an ambiguous outcome (a lost response, a 5xx after the
 * change was applied). Every ambiguity in advance-api.md is settled by reading Advance's state —
 * never by `forceCreate`, which would throw away a person's interview answers.
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
 * Begins the session `versionId`; if Advance says a session is in progress and that session is
 * this very `versionId` (an earlier attempt's response was lost), returns it.
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

export interface CompleteOutcome {
  outcome: 'completed' | 'already-completed';
}

/**
 * Completes the in-progress session `versionId`; "no active session" counts as done when Advance
 * shows that version completed (or, on a server that lists no versions, its documents).
 */
export async function ensureSessionCompleted(
  client: AdvanceClient,
  workItemId: string,
  versionId: string,
  completion: { runAssembly?: boolean } = {},
  options: CallOptions = {},
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

export interface SaveOutcome {
  outcome: 'saved' | 'nothing-in-progress';
}

/** Saves the in-progress session; with none in progress there is nothing to lose. */
export async function ensureSessionSaved(
  client: AdvanceClient,
  workItemId: string,
  options: CallOptions = {},
): Promise<SaveOutcome> {
  try {
    await client.saveSession(workItemId, options);
    return { outcome: 'saved' };
  } catch (error) {
    if (isConflict(error, 'no-active-session')) return { outcome: 'nothing-in-progress' };
    throw error;
  }
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
