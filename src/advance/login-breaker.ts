import { createHash } from 'node:crypto';
import { AdvanceAuthError } from './errors';

/**
 * Remembers a refused login, per client (one per tenancy in a worker process), so that lifecycles
 * parked by a wrong password do not each try it: for `openForMs` after a refusal, a login with the
 * same credentials is refused again at once, without a request to Advance (whose login may lock
 * the principal out after a few failures). So a process makes at most one login attempt per
 * tenancy per interval, however many lifecycles retry; N worker processes make at most N. New
 * credentials (a rotated password file, read at every login) are tried at once.
 */
export class LoginBreaker {
  private refused: { fingerprint: string; atMs: number; message: string } | undefined;

  constructor(
    private readonly openForMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws the remembered refusal when these credentials were refused less than `openForMs` ago. */
  check(credentials: readonly string[]): void {
    const refused = this.refused;
    if (refused === undefined || refused.fingerprint !== fingerprint(credentials)) return;
    const waitMs = refused.atMs + this.openForMs - this.now();
    if (waitMs <= 0) return;
    throw new AdvanceAuthError(
      `${refused.message} (not tried again for ${Math.ceil(waitMs / 1000)} s: the same credentials ` +
        'were refused moments ago)',
      { operation: 'login' },
    );
  }

  refusedWith(credentials: readonly string[], message: string): void {
    this.refused = { fingerprint: fingerprint(credentials), atMs: this.now(), message };
  }

  accepted(): void {
    this.refused = undefined;
  }
}

function fingerprint(credentials: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(credentials)).digest('hex');
}
