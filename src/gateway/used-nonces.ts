/** What a claim of a finish link's nonce found. */
export type NonceClaim =
  /** Free until now, and now held by this request: finish, then `spend` or `release`. */
  | 'claimed'
  /** Another request of this process holds it right now. */
  | 'in-progress'
  /** The lifecycle took the Finish (or said the interview was finished already). */
  | 'spent';

/**
 * Nonces of finish links this process is using or has used, for a fast answer to a concurrent
 * or repeated post without asking Temporal. A nonce is spent only once the Finish was taken; a
 * failed attempt gives it back, so the link stays usable. It is an optimisation, not the
 * authority: it is lost on restart and not shared between replicas; the lifecycle's own state
 * decides (see the finish route). Bounded, so a flood of valid links cannot grow it without end;
 * an entry is useless once its link has expired, and the oldest go first when it is full.
 */
export class UsedNonces {
  private readonly entries = new Map<string, { expiresAtMs: number; spent: boolean }>();

  constructor(private readonly maxEntries = 100_000) {}

  claim(nonce: string, expiresAtMs: number, nowMs: number): NonceClaim {
    const entry = this.entries.get(nonce);
    if (entry !== undefined) return entry.spent ? 'spent' : 'in-progress';
    if (this.entries.size >= this.maxEntries) this.prune(nowMs);
    this.entries.set(nonce, { expiresAtMs, spent: false });
    return 'claimed';
  }

  /** The link's use went through (or the lifecycle says it is done): it stays used. */
  spend(nonce: string): void {
    const entry = this.entries.get(nonce);
    if (entry !== undefined) entry.spent = true;
  }

  /** Gives a nonce back: its use did not go through, so the link may be tried again. */
  release(nonce: string): void {
    this.entries.delete(nonce);
  }

  private prune(nowMs: number): void {
    for (const [nonce, { expiresAtMs }] of this.entries) {
      if (expiresAtMs <= nowMs) this.entries.delete(nonce);
    }
    // Still full: drop the oldest claims (Map iterates in insertion order).
    for (const nonce of this.entries.keys()) {
      if (this.entries.size < this.maxEntries) break;
      this.entries.delete(nonce);
    }
  }
}
