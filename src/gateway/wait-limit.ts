import type { FastifyReply } from 'fastify';
import type { LifecycleClient } from '../client';

export type Waited<T> = { timedOut: false; value: T } | { timedOut: true };

/**
 * Runs a long-polling lifecycle call for at most `limitMs`, no longer than the caller stays
 * connected, and not past the gateway's shutdown. Stopping aborts the underlying Temporal calls
 * (the SDK's abort signal, also handed to `work`), so an abandoned request leaves no long poll
 * running behind it.
 */
export async function withinWaitLimit<T>(
  lifecycles: LifecycleClient,
  reply: FastifyReply,
  { limitMs, closing }: { limitMs: number; closing: AbortSignal },
  work: (signal: AbortSignal) => Promise<T>,
): Promise<Waited<T>> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('wait limit reached')), limitMs);
  const onClose = () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('the caller went away'));
  };
  const onClosing = () => controller.abort(new Error('the gateway is closing'));
  reply.raw.once('close', onClose);
  if (closing.aborted) onClosing();
  closing.addEventListener('abort', onClosing, { once: true });
  try {
    return {
      timedOut: false,
      value: await lifecycles.temporal.withAbortSignal(controller.signal, () => work(controller.signal)),
    };
  } catch (error) {
    if (controller.signal.aborted) return { timedOut: true };
    throw error;
  } finally {
    clearTimeout(timer);
    reply.raw.off('close', onClose);
    closing.removeEventListener('abort', onClosing);
  }
}
