import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import {
  AdvanceError,
  AdvanceSessionNotRecoverableError,
  AdvanceThrottledError,
  AdvanceTransientError,
} from '../advance';
import { WebhookDeliveryError } from '../notifications/webhook-post';
import { FailureType, type FailureTypeName } from '../workflows/failure-types';

/**
 * Turns an error from our libraries into what Temporal's retry policy understands: the retry
 * decision is the error's own `retryable`, and a server's `Retry-After` becomes `nextRetryDelay`
 * (Temporal then waits exactly that long instead of its backoff).
 */
export function toActivityFailure(error: unknown): unknown {
  if (error instanceof CancelledFailure || error instanceof ApplicationFailure) return error;
  if (error instanceof AdvanceError) {
    const retryAfterMs =
      error instanceof AdvanceThrottledError || error instanceof AdvanceTransientError
        ? error.retryAfterMs
        : undefined;
    return ApplicationFailure.create({
      message: error.message,
      // The workflow tells this one apart (it resumes the session); the others keep their class name.
      type:
        error instanceof AdvanceSessionNotRecoverableError ? FailureType.SessionNotRecoverable : error.name,
      nonRetryable: !error.retryable,
      // The pause also goes into the details: a local activity's failure reaches the workflow
      // without `nextRetryDelay`, and the workflow honours it when the regular activity takes over.
      details: [{ ...error.toJSON(), ...(retryAfterMs !== undefined && { retryAfterMs }) }],
      nextRetryDelay: retryAfterMs,
    });
  }
  if (error instanceof WebhookDeliveryError) return webhookFailure(error);
  return error;
}

/** A receiver's `Retry-After` is honoured like Advance's. `attempt` lets the workflow report it. */
export function webhookFailure(error: WebhookDeliveryError, attempt?: number): ApplicationFailure {
  const type =
    error.webhook === 'reminder'
      ? FailureType.ReminderDeliveryFailed
      : error.retryable
        ? FailureType.LifecycleEventNotDelivered
        : FailureType.LifecycleEventRefused;
  return ApplicationFailure.create({
    message: error.message,
    type,
    nonRetryable: !error.retryable,
    details: [{ status: error.status, ...(attempt === undefined ? {} : { attempt }) }],
    nextRetryDelay: error.retryAfterMs,
  });
}

/** A failure the lifecycle cannot get past by retrying, raised by the activities themselves. */
export function permanentFailure(type: FailureTypeName, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}
