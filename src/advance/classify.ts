import {
  AdvanceAuthError,
  AdvanceConflictError,
  AdvanceError,
  AdvanceForbiddenError,
  AdvanceNotFoundError,
  AdvanceThrottledError,
  AdvanceTransientError,
  AdvanceValidationError,
  type AdvanceErrorContext,
  type AdvanceOperation,
  type ConflictReason,
} from './errors';

/**
 * The one place where an HTTP outcome becomes a typed error. Advance's status codes for the
 * documented ambiguities are open (advance-api.md), so a conflict is recognised by 409/423, or by
 * the server's message on a 400/404, and the reason comes from which call it was.
 */

export interface FailureContext {
  operation: AdvanceOperation;
  workItemId?: string;
  versionId?: string;
}

const SESSION_IN_PROGRESS =
  /(already|currently)\b.*\b(in progress|active)|session in progress|in-progress session/i;
const NO_ACTIVE_SESSION =
  /no (active |in-progress |current )?(assembly )?session|not in progress|no session/i;
const ALREADY_EXISTS = /already exists|duplicate/i;

export function errorFromResponse(
  context: FailureContext,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  bodyText: string,
): AdvanceError {
  const serverMessage = extractMessage(bodyText);
  const ctx: AdvanceErrorContext = { ...context, status, serverMessage };
  const said = serverMessage === undefined ? '' : `: ${serverMessage}`;
  const where = describe(context);

  if (status === 401) return new AdvanceAuthError(`${where} was refused: HTTP 401 unauthorized${said}`, ctx);
  if (status === 403) {
    return new AdvanceForbiddenError(
      `${where} was refused: HTTP 403 forbidden${said} (does the API client have the Command or Root scope?)`,
      ctx,
    );
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    const wait = retryAfterMs === undefined ? '' : `; retry after ${Math.ceil(retryAfterMs / 1000)} s`;
    return new AdvanceThrottledError(`${where} was throttled: HTTP 429${said}${wait}`, {
      ...ctx,
      retryAfterMs,
    });
  }
  if (status >= 500 || status === 408) {
    return new AdvanceTransientError(`${where} failed: HTTP ${status}${said} (retry can help)`, {
      ...ctx,
      retryAfterMs: parseRetryAfter(headers['retry-after']),
    });
  }
  const reason = conflictReason(context.operation, status, serverMessage ?? '');
  if (reason !== undefined) {
    return new AdvanceConflictError(`${where} conflicts with the work item's state: HTTP ${status}${said}`, {
      ...ctx,
      reason,
    });
  }
  if (status === 404) return new AdvanceNotFoundError(`${where} failed: HTTP 404 not found${said}`, ctx);
  return new AdvanceValidationError(`${where} was rejected as invalid: HTTP ${status}${said}`, ctx);
}

function conflictReason(
  operation: AdvanceOperation,
  status: number,
  message: string,
): ConflictReason | undefined {
  const statusSaysConflict = status === 409 || status === 423;
  switch (operation) {
    case 'createWorkItem':
      if (statusSaysConflict || ALREADY_EXISTS.test(message)) return 'already-exists';
      return undefined;
    case 'beginSession':
    case 'createAndAssemble':
      if (SESSION_IN_PROGRESS.test(message)) return 'session-in-progress';
      if (ALREADY_EXISTS.test(message)) return 'version-exists';
      return statusSaysConflict ? 'session-in-progress' : undefined;
    case 'saveSession':
    case 'completeSession':
      if (NO_ACTIVE_SESSION.test(message)) return 'no-active-session';
      return statusSaysConflict ? 'no-active-session' : undefined;
    default:
      return statusSaysConflict ? 'other' : undefined;
  }
}

/** Maps a network-level failure (no HTTP response) to a transient error. */
export function errorFromNetwork(context: FailureContext, cause: unknown): AdvanceTransientError {
  const code = (cause as { code?: unknown } | null)?.code;
  const codeText = typeof code === 'string' ? code : 'network error';
  return new AdvanceTransientError(
    `${describe(context)} failed without a response (${codeText}); the call may or may not have been applied`,
    { ...context, cause, code: typeof code === 'string' ? code : undefined },
  );
}

export function describe(context: FailureContext): string {
  const parts: string[] = [context.operation];
  if (context.workItemId !== undefined) parts.push(`for work item ${context.workItemId}`);
  if (context.versionId !== undefined) parts.push(`version ${context.versionId}`);
  return parts.join(' ');
}

/** `Retry-After` as delta-seconds or an HTTP date, in milliseconds. */
export function parseRetryAfter(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The server's message from a JSON `{message}` body or plain text, cut short. */
function extractMessage(bodyText: string): string | undefined {
  const text = bodyText.trim();
  if (text === '') return undefined;
  let message = text;
  try {
    const parsed: unknown = JSON.parse(text);
    const candidate =
      typeof parsed === 'string'
        ? parsed
        : ((parsed as Record<string, unknown> | null)?.['message'] ??
          (parsed as Record<string, unknown> | null)?.['Message'] ??
          (parsed as Record<string, unknown> | null)?.['title']);
    if (typeof candidate === 'string') message = candidate;
  } catch {
    // not JSON: keep the text
  }
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}
