/**
 * The handshake every benchmark child process keeps with its parent over IPC: it sends one
 * message that says it is ready (`ready`, or the walk's `walk`), or `{ type: 'failed', message }`
 * when it could not start, and the parent's `startChild` waits for one of the two.
 */
import type { Readiness } from '../../tools/process/child-process';

interface FailedMessage {
  type: 'failed';
  message: string;
}

/** The parent's side: ready on a message of `readyType`, given up on `failed`. */
export function readyOnMessage<M extends { type: string }>(readyType: M['type']): Readiness<M> {
  return {
    message: (m) => (m.type === readyType ? 'ready' : isFailed(m) ? { failed: m.message } : undefined),
  };
}

function isFailed(message: { type: string }): message is FailedMessage {
  return message.type === 'failed';
}

/** The child's side of a failure: tell the parent why, and let the process end with code 1. */
export function reportChildFailure(error: unknown, withStack = true): void {
  const message =
    error instanceof Error ? ((withStack ? error.stack : undefined) ?? error.message) : String(error);
  process.send?.({ type: 'failed', message } satisfies FailedMessage);
  process.exitCode = 1;
  process.disconnect?.();
}

/** Runs a child whose work ends when `main` returns: exit 0 then, or report the failure. */
export function runChildToEnd(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => reportChildFailure(error),
  );
}
