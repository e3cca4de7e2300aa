/**
 * What the emulator posts on its own (v2.0 callbacks, Advance's webhooks): one attempt each, when due.
 */

/** One attempt, 10 s: the emulator's callbacks and webhooks are hints, and receivers poll anyway. */
const POST_TIMEOUT_MS = 10_000;

export interface PostOutcome {
  outcome: 'delivered' | 'failed';
  /** The receiver's HTTP status, when it answered. */
  httpStatus?: number;
  /** Why a post failed without an answer (network error code). */
  error?: string;
}

/** POSTs once; `signal` cancels it (the emulator's reset or close). */
export async function postOnce(
  url: string,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
): Promise<PostOutcome> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.any([signal, AbortSignal.timeout(POST_TIMEOUT_MS)]),
    });
    await response.arrayBuffer();
    return { outcome: response.ok ? 'delivered' : 'failed', httpStatus: response.status };
  } catch (error) {
    return { outcome: 'failed', error: errorCode(error) };
  }
}

function errorCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  return (error as Error | null)?.name ?? 'error';
}

/**
 * Runs tasks when due (a timer may fire a millisecond early: it then waits again). `cancel()`
 * drops the pending ones and aborts those under way; tasks scheduled after it run as usual.
 */
export class DueTasks {
  private readonly timers = new Set<NodeJS.Timeout>();
  private generation = new AbortController();

  at(dueAt: number, task: (signal: AbortSignal) => Promise<void>): void {
    this.arm(dueAt, task, this.generation.signal);
  }

  cancel(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.generation.abort();
    this.generation = new AbortController();
  }

  private arm(dueAt: number, task: (signal: AbortSignal) => Promise<void>, signal: AbortSignal): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (Date.now() < dueAt) this.arm(dueAt, task, signal);
        else void task(signal);
      },
      Math.max(0, dueAt - Date.now()),
    );
    this.timers.add(timer);
  }
}
