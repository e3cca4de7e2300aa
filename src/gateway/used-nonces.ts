/**
 * Nonces of finish links this process has accepted (or is accepting), for a fast refusal of a
 * replay without asking Temporal. It is an optimisation, not the authority: it is lost on restart
 * and not shared between replicas; the lifecycle's own state decides (see the finish route).
 * Bounded, so a flood of valid links cannot grow it without end; an entry is useless once its link
 * has expired, and the oldest go first when it is full.
 */
export class UsedNonces {
  private readonly entries = new Map<string, number>();

  constructor(private readonly maxEntries = 100_000) {}

  /** True when the nonce was free and is now taken; false when it was already used. */
  claim(nonce: string, expiresAtMs: number, nowMs: number): boolean {
    if (this.entries.has(nonce)) return false;
    if (this.entries.size >= this.maxEntries) this.prune(nowMs);
    this.entries.set(nonce, expiresAtMs);
    return true;
  }

  /** Gives a nonce back: its use did not go through, so the link may be tried again. */
  release(nonce: string): void {
    this.entries.delete(nonce);
  }

  private prune(nowMs: number): void {
    for (const [nonce, expiresAtMs] of this.entries) {
      if (expiresAtMs <= nowMs) this.entries.delete(nonce);
    }
    // Still full: drop the oldest claims (Map iterates in insertion order).
    for (const nonce of this.entries.keys()) {
      if (this.entries.size < this.maxEntries) break;
      this.entries.delete(nonce);
    }
  }
}
