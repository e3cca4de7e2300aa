import type { VersionStatus } from './version-status';

/**
 * Typed errors of the HotDocs Advance client. Every failure of a call is classified exactly once,
 * here, so that activities, the CLI and the gateway decide on retries from `retryable` alone.
 */

/** The client's calls, as they are named in errors, logs and metrics. */
export type AdvanceOperation =
  | 'login'
  | 'createWorkItem'
  | 'getWorkItem'
  | 'beginSession'
  | 'saveSession'
  | 'completeSession'
  | 'listDocuments'
  | 'downloadDocument'
  | 'readVersionStatus'
  | 'listVersions'
  | 'createAndAssemble'
  | 'finishInterview'
  | 'readAnswerSet'
  | 'replaceAnswerSet';

export type AdvanceErrorKind =
  'auth' | 'forbidden' | 'not-found' | 'conflict' | 'validation' | 'throttled' | 'transient';

/** Which documented ambiguity a conflict is. */
export type ConflictReason =
  'already-exists' | 'session-in-progress' | 'no-active-session' | 'version-exists' | 'other';

export interface AdvanceErrorContext {
  operation: AdvanceOperation;
  workItemId?: string;
  versionId?: string;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** The server's own message (truncated), when it sent one. Never contains request bodies. */
  serverMessage?: string;
  cause?: unknown;
}

export abstract class AdvanceError extends Error {
  abstract readonly kind: AdvanceErrorKind;
  /** Whether repeating the same call later can succeed. */
  abstract readonly retryable: boolean;
  readonly operation: AdvanceOperation;
  readonly workItemId?: string;
  readonly versionId?: string;
  readonly status?: number;
  readonly serverMessage?: string;

  constructor(summary: string, context: AdvanceErrorContext) {
    super(summary, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.operation = context.operation;
    this.workItemId = context.workItemId;
    this.versionId = context.versionId;
    this.status = context.status;
    this.serverMessage = context.serverMessage;
  }

  /** A plain, secret-free description for logs and failure details. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      kind: this.kind,
      retryable: this.retryable,
      operation: this.operation,
      workItemId: this.workItemId,
      versionId: this.versionId,
      status: this.status,
      message: this.message,
    };
  }
}

/** Credentials rejected, or a freshly issued token rejected again. Retrying will not help. */
export class AdvanceAuthError extends AdvanceError {
  readonly kind = 'auth' as const;
  readonly retryable = false;
}

/** The API client's scope does not allow the call (a command method needs Command or Root). */
export class AdvanceForbiddenError extends AdvanceError {
  readonly kind = 'forbidden' as const;
  readonly retryable = false;
}

export class AdvanceNotFoundError extends AdvanceError {
  readonly kind = 'not-found' as const;
  readonly retryable = false;
}

export class AdvanceConflictError extends AdvanceError {
  readonly kind = 'conflict' as const;
  readonly retryable = false;
  readonly reason: ConflictReason;

  constructor(summary: string, context: AdvanceErrorContext & { reason: ConflictReason }) {
    super(summary, context);
    this.reason = context.reason;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), reason: this.reason };
  }
}

/** The request is invalid (rejected by Advance with 4xx, or by the client before sending). */
export class AdvanceValidationError extends AdvanceError {
  readonly kind = 'validation' as const;
  readonly retryable = false;
}

/** A call the tenancy's API version does not offer (a status read on v1.1, say): configuration decides, not retrying. */
export class AdvanceUnsupportedError extends AdvanceValidationError {}

/** `429 Too Many Requests`; `retryAfterMs` is the server's `Retry-After`, when it sent one. */
export class AdvanceThrottledError extends AdvanceError {
  readonly kind = 'throttled' as const;
  readonly retryable = true;
  readonly retryAfterMs?: number;

  constructor(summary: string, context: AdvanceErrorContext & { retryAfterMs?: number }) {
    super(summary, context);
    this.retryAfterMs = context.retryAfterMs;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAfterMs: this.retryAfterMs };
  }
}

/** 5xx, 408, connection refused or reset, timeouts: the outcome may or may not have been applied. */
export class AdvanceTransientError extends AdvanceError {
  readonly kind = 'transient' as const;
  readonly retryable = true;
  /** A `Retry-After` sent with a 503, if any. */
  readonly retryAfterMs?: number;
  /** The network error code (`ECONNRESET`, `UND_ERR_HEADERS_TIMEOUT`, ...), when no response came. */
  readonly code?: string;

  constructor(summary: string, context: AdvanceErrorContext & { retryAfterMs?: number; code?: string }) {
    super(summary, context);
    this.retryAfterMs = context.retryAfterMs;
    this.code = context.code;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAfterMs: this.retryAfterMs, code: this.code };
  }
}

/**
 * The version's completion was accepted but it still reads `Completing` or post-assembly
 * processing: documents can be collected only once it reads `Completed`. Retrying later helps.
 */
export class AdvanceVersionNotReadyError extends AdvanceTransientError {
  readonly versionStatus: VersionStatus;

  constructor(summary: string, context: AdvanceErrorContext & { versionStatus: VersionStatus }) {
    super(summary, context);
    this.versionStatus = context.versionStatus;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), versionStatus: this.versionStatus };
  }
}

/** Answer XML that fails the local checks; `line`/`column` locate the first problem. */
export class AnswerXmlError extends AdvanceValidationError {
  readonly line?: number;
  readonly column?: number;
  readonly problem: string;

  constructor(problem: string, context: AdvanceErrorContext & { line?: number; column?: number }) {
    const where = context.line === undefined ? '' : ` at line ${context.line}, column ${context.column}`;
    super(`Invalid answer XML${where}: ${problem}`, context);
    this.problem = problem;
    this.line = context.line;
    this.column = context.column;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), line: this.line, column: this.column };
  }
}

/**
 * Client configuration that cannot work. Lists every problem at once, so a misconfigured
 * deployment is fixed in one pass rather than one variable per restart.
 */
export class AdvanceConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid HotDocs Advance client configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'AdvanceConfigError';
    this.problems = problems;
  }
}

export function isAdvanceError(error: unknown): error is AdvanceError {
  return error instanceof AdvanceError;
}
