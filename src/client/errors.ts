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
  | 'too-many-matches';

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
