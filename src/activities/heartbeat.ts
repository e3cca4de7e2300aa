import { Context } from '@temporalio/activity';
import { toActivityFailure } from './failures';

/**
 * Runs `work` with the activity's cancellation signal while heartbeating in the background.
 * Cancellation only reaches an activity through heartbeats, so every activity that can block on
 * the network runs through here; errors leave as Temporal failures with the right retryability.
 */
export async function runWithHeartbeats<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const context = Context.current();
  const interval = Math.max(500, Math.floor((context.info.heartbeatTimeoutMs ?? 30_000) / 3));
  // No heartbeat at the start: most calls end in milliseconds, and each heartbeat is a server
  // write; the interval ones deliver cancellation well within the heartbeat timeout. A local
  // activity has no heartbeat (the worker delivers its cancellation itself): none is sent.
  const timer = context.info.isLocal ? undefined : setInterval(() => context.heartbeat(), interval);
  try {
    return await work(context.cancellationSignal);
  } catch (error) {
    throw toActivityFailure(error);
  } finally {
    clearInterval(timer);
  }
}
