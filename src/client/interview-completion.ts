import {
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type WorkflowHandle,
} from '@temporalio/client';
import { FailureType, failureTypeOf } from '../workflows/failure-types';
import { completeInterviewUpdate, interviewCompletedSignal } from '../workflows/messages';
import { isExecutionLimitReached, LifecycleClientError, updateRefused } from './errors';

export interface CompleteInterviewOptions {
  /**
   * The session whose interview was finished. Absent: the session the lifecycle waits for — for
   * an operator who knows the lifecycle, never for a link, which must name its own session.
   */
  versionId?: string;
  /**
   * How long a worker may take to accept the update, in milliseconds. An update needs a running
   * worker; when none accepts it in time (every worker down for a deploy), a request naming its
   * session is sent as the `interviewCompleted` signal instead, which Temporal's server takes on
   * its own. Without a `versionId` there is nothing to signal: the call fails with
   * `worker-unavailable`. @default no limit: wait for a worker
   */
  acceptWithinMs?: number;
}

/**
 * What became of a report that an interview is finished: `accepted` (it finished the interview),
 * `already-finished` (it had been reported before: nothing changed), `signalled` (no worker
 * accepted it in time: it went as the signal, which the lifecycle takes by the same rule when a
 * worker runs it next).
 */
export interface InterviewCompletion {
  outcome: 'accepted' | 'already-finished' | 'signalled';
  versionId: string;
}

/**
 * The `completeInterview` update with its way out when no worker takes it. An update the server
 * could not hand to a worker in time stays with the server and may still be delivered after the
 * signal: the lifecycle's rule makes that second report change nothing, whichever comes first.
 */
export async function completeInterview(
  handle: WorkflowHandle,
  { versionId, acceptWithinMs }: CompleteInterviewOptions,
): Promise<InterviewCompletion> {
  const update = () =>
    handle.executeUpdate(completeInterviewUpdate, { args: [versionId === undefined ? {} : { versionId }] });
  try {
    return acceptWithinMs === undefined
      ? await update()
      : await handle.client.withDeadline(Date.now() + acceptWithinMs, update);
  } catch (error) {
    if (
      error instanceof WorkflowUpdateFailedError &&
      failureTypeOf(error) === FailureType.InterviewCompletionRefused
    )
      throw updateRefused(error);
    if (!notTakenByAWorker(error)) throw error;
    if (versionId === undefined) {
      throw new LifecycleClientError(
        'worker-unavailable',
        `No worker accepted completeInterview within ${acceptWithinMs} ms. The server keeps it and may ` +
          'still deliver it when a worker is back: read the status before sending it again.',
        [],
        { cause: error },
      );
    }
    await handle.signal(interviewCompletedSignal, { versionId });
    return { outcome: 'signalled', versionId };
  }
}

/**
 * The update did not reach the lifecycle's code, though the server is there: no worker accepted
 * it before the deadline; a worker of an older build, without the update, refused it (its failure
 * carries none of our types); or the server holds the most updates one execution may have in
 * flight (10), which happens when they pile up with no worker to take them.
 */
function notTakenByAWorker(error: unknown): boolean {
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  if (error instanceof WorkflowUpdateFailedError) return true;
  return isExecutionLimitReached(error);
}
