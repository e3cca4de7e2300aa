import { abortable } from '../abortable';
/**
 * Concurrent waits for one thing, as one: the first waiter for a key starts the work, later ones
 * await the same promise, so a thousand callers waiting for one lifecycle's interview send one
 * update to its workflow (Temporal admits only a few updates in flight per workflow, and each is
 * written to its history). Waiters are capped per owner (an API key) and in all, so no caller can
 * hold every connection; each waiter leaves on its own abort signal, and the work is aborted when
 * its last waiter has left.
 */
export interface WaitCaps {
  /** Waits one owner may hold at once. */
  perOwner: number;
  /** Waits the whole process holds at once. */
  total: number;
}

/** A wait not admitted: `owner` when the owner holds its share, `total` when the process is full. */
export class WaitRefused extends Error {
  constructor(
    readonly scope: 'owner' | 'total',
    readonly limit: number,
  ) {
    super(
      scope === 'owner'
        ? `this caller already holds ${limit} waits, its limit`
        : `this gateway already holds ${limit} waits, its limit`,
    );
    this.name = 'WaitRefused';
  }
}

interface Shared<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
}

export class SharedWaits<T> {
  private readonly byKey = new Map<string, Shared<T>>();
  private readonly byOwner = new Map<string, number>();
  private waiting = 0;

  constructor(private readonly caps: WaitCaps) {}

  /** Waits currently held, and works in flight (one per key). */
  get counts(): { waiting: number; inFlight: number } {
    return { waiting: this.waiting, inFlight: this.byKey.size };
  }

  /**
   * Awaits the work for `key`, starting it unless it runs already. Throws `WaitRefused` beyond
   * the caps, and `signal`'s reason when the caller's own signal aborts first.
   */
  async join(
    key: string,
    owner: string,
    work: (signal: AbortSignal) => Promise<T>,
    signal: AbortSignal,
  ): Promise<T> {
    const held = this.byOwner.get(owner) ?? 0;
    if (held >= this.caps.perOwner) throw new WaitRefused('owner', this.caps.perOwner);
    if (this.waiting >= this.caps.total) throw new WaitRefused('total', this.caps.total);
    signal.throwIfAborted();
    this.byOwner.set(owner, held + 1);
    this.waiting += 1;
    const shared = this.sharedFor(key, work);
    shared.waiters += 1;
    try {
      return await abortable(shared.promise, signal);
    } finally {
      shared.waiters -= 1;
      if (shared.waiters === 0) {
        shared.controller.abort(new Error('every waiter has left'));
        if (this.byKey.get(key) === shared) this.byKey.delete(key);
      }
      this.waiting -= 1;
      const left = (this.byOwner.get(owner) ?? 1) - 1;
      if (left === 0) this.byOwner.delete(owner);
      else this.byOwner.set(owner, left);
    }
  }

  private sharedFor(key: string, work: (signal: AbortSignal) => Promise<T>): Shared<T> {
    const running = this.byKey.get(key);
    if (running !== undefined) return running;
    const controller = new AbortController();
    const shared: Shared<T> = { promise: work(controller.signal), controller, waiters: 0 };
    this.byKey.set(key, shared);
    // A settled answer is not shared with later callers: they ask afresh, the state may have moved.
    const forget = () => {
      if (this.byKey.get(key) === shared) this.byKey.delete(key);
    };
    shared.promise.then(forget, forget);
    return shared;
  }
}
