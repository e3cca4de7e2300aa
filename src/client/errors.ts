import { isGrpcServiceError, type WorkflowUpdateFailedError } from '@temporalio/client';
import type { ConfigError } from '../config';
import { messageOf } from '../workflows/failure-types';

/**
 * Typed errors of the lifecycle client: what a business system (or the gateway, or the CLI) gets
 * back for bad input or an impossible request, each with a stable `code`.
 */
export type LifecycleErrorCode =
  | 'invalid-input'
  | 'invalid-configuration'
  | 'lifecycle-not-found'
  | 'lifecycle-closed'
  | 'request-rejected'
  | 'lifecycle-failed'
  | 'lifecycle-still-running'
  /** A bulk repair matched more lifecycles than its limit, and was not confirmed. */
  | 'too-many-matches'
  /** A message that needs a worker (an update) was not accepted in time. */
  | 'worker-unavailable';

export class LifecycleClientError extends Error {
  /**
   * For `lifecycle-failed`: the type of the workflow's failure, one of `FailureType`
   * (`LifecycleFailed`, `InvalidLifecycleInput`, ...).
   */
  readonly failureType?: string;

  constructor(
    readonly code: LifecycleErrorCode,
    message: string,
    readonly problems: readonly string[] = [],
    options?: { cause?: unknown; failureType?: string },
  ) {
    super(message, options);
    this.name = 'LifecycleClientError';
    if (options?.failureType !== undefined) this.failureType = options.failureType;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.failureType === undefined ? {} : { failureType: this.failureType }),
      ...(this.problems.length > 0 ? { problems: this.problems } : {}),
    };
  }
}

export class LifecycleInputError extends LifecycleClientError {
  constructor(problems: readonly string[], what = 'lifecycle input') {
    super('invalid-input', `Invalid ${what}: ${problems.join('; ')}`, problems);
    this.name = 'LifecycleInputError';
  }
}

export class LifecycleNotFoundError extends LifecycleClientError {
  constructor(readonly lifecycleId: string) {
    super('lifecycle-not-found', `No lifecycle with id "${lifecycleId}"`);
    this.name = 'LifecycleNotFoundError';
  }
}

export class LifecycleClosedError extends LifecycleClientError {
  constructor(
    readonly lifecycleId: string,
    readonly status: string,
  ) {
    super('lifecycle-closed', `Lifecycle "${lifecycleId}" has already ended (${status.toLowerCase()})`);
    this.name = 'LifecycleClosedError';
  }
}

export class LifecycleRequestRejectedError extends LifecycleClientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('request-rejected', message, [], options);
    this.name = 'LifecycleRequestRejectedError';
  }
}

/** An update the lifecycle refused, told with its own reason: the message of the failure it raised. */
export function updateRefused(error: WorkflowUpdateFailedError): LifecycleRequestRejectedError {
  return new LifecycleRequestRejectedError(messageOf(error), { cause: error });
}

/** A configuration that could not be read (`loadClientConfig`'s `ConfigError`), as `invalid-configuration`. */
export function configurationError(error: ConfigError): LifecycleClientError {
  return new LifecycleClientError(
    'invalid-configuration',
    `Invalid configuration: ${error.problems.join('; ')}`,
    error.problems,
  );
}

// ---- Temporal's own errors ------------------------------------------------------------------

/** The gRPC status codes told apart here (grpc-js's `status`, which is not a dependency of ours). */
const GRPC = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNAVAILABLE: 14,
} as const;

/** The gRPC error an error is, or has among its first causes. */
function grpcErrorOf(error: unknown): { code: number; details?: string; message: string } | undefined {
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; depth += 1) {
    if (isGrpcServiceError(e)) return e;
    e = e instanceof Error ? e.cause : undefined;
  }
  return undefined;
}

/** Temporal could not be reached (or did not answer in time). */
export function isTemporalUnavailable(error: unknown): boolean {
  const code = grpcErrorOf(error)?.code;
  return code === GRPC.UNAVAILABLE || code === GRPC.DEADLINE_EXCEEDED;
}

/**
 * A query Temporal could not deliver: no worker polls the lifecycle's task queue (any more:
 * FAILED_PRECONDITION "no poller seen"; or ever: the query's deadline passed unanswered).
 */
export function isWorkerUnavailable(error: unknown): boolean {
  const grpc = grpcErrorOf(error);
  if (grpc === undefined) return false;
  const text = grpc.details ?? grpc.message;
  return (
    (grpc.code === GRPC.FAILED_PRECONDITION && /no poller seen/i.test(text)) ||
    (grpc.code === GRPC.DEADLINE_EXCEEDED && /query timed out before a worker/i.test(text))
  );
}

/**
 * The request was malformed in the server's eyes (INVALID_ARGUMENT: a visibility query it cannot
 * parse, say): the gRPC error that says so, or undefined.
 */
export function invalidArgumentOf(error: unknown): { details?: string; message: string } | undefined {
  const grpc = grpcErrorOf(error);
  return grpc?.code === GRPC.INVALID_ARGUMENT ? grpc : undefined;
}

/** The server refused a message for a limit of the execution (e.g. 10 updates in flight). */
export function isExecutionLimitReached(error: unknown): boolean {
  return grpcErrorOf(error)?.code === GRPC.RESOURCE_EXHAUSTED;
}
