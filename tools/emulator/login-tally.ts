export interface LoginCounts {
  /** Logins that reached the credential check (faults injected before it are not logins). */
  total: number;
  succeeded: number;
  failed: number;
}

export class LoginTally {
  private counts: LoginCounts = { total: 0, succeeded: 0, failed: 0 };

  record(succeeded: boolean): void {
    this.counts.total += 1;
    if (succeeded) this.counts.succeeded += 1;
    else this.counts.failed += 1;
  }

  snapshot(): LoginCounts {
    return { ...this.counts };
  }

  clear(): void {
    this.counts = { total: 0, succeeded: 0, failed: 0 };
  }
}
