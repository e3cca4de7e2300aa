/**
 * `/readyz`'s answer, kept for a moment: probes (Kubernetes, a load balancer, or anyone, as the
 * route needs no key) would otherwise each cost a call to Temporal. Within `freshForMs` of the
 * last probe the same answer is given; probes that arrive while one is under way share it.
 */
export const READINESS_FRESH_MS = 5000;

export interface Readiness {
  ready: boolean;
  /** Why not, when not ready (for the log line of the probe that found it). */
  error?: unknown;
}

export class CachedReadiness {
  private last: { readiness: Readiness; atMs: number } | undefined;
  private inFlight: Promise<Readiness> | undefined;

  constructor(
    private readonly probe: () => Promise<void>,
    private readonly freshForMs = READINESS_FRESH_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** `fresh`: this call asked Temporal (its caller logs a failure; the others do not repeat it). */
  async check(): Promise<Readiness & { fresh: boolean }> {
    const last = this.last;
    if (last !== undefined && this.now() - last.atMs < this.freshForMs)
      return { ...last.readiness, fresh: false };
    if (this.inFlight !== undefined) return { ...(await this.inFlight), fresh: false };
    this.inFlight = this.probe().then(
      (): Readiness => ({ ready: true }),
      (error: unknown): Readiness => ({ ready: false, error }),
    );
    try {
      const readiness = await this.inFlight;
      this.last = { readiness, atMs: this.now() };
      return { ...readiness, fresh: true };
    } finally {
      this.inFlight = undefined;
    }
  }
}
