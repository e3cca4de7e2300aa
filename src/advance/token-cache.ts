import { abortable } from '../abortable';
import { Secret } from './secret';

/** An access token with its validity. The token string stays inside a `Secret`. */
export interface AccessToken {
  readonly token: Secret;
  readonly obtainedAt: number;
  readonly expiresAt: number;
  /** Where `expiresAt` came from: the JWT's `exp`, or the configured life span. */
  readonly expirySource: 'jwt' | 'configured';
}

/** What may leave the client about a token: never the token itself. */
export interface TokenMetadata {
  tenancy: string;
  obtainedAt: string;
  expiresAt: string;
  expirySource: 'jwt' | 'configured';
  /** True when this call had to log in; false when a cached token was still good. */
  loggedIn: boolean;
}

export interface TokenCacheOptions {
  /**
   * Performs one service-principal login and returns the bare token string. `pastBreaker`: the
   * login is an operator's retry and goes to the server even while the login breaker holds a
   * refusal (transport.ts).
   */
  login: (attempt: { pastBreaker: boolean }) => Promise<string>;
  lifetimeSeconds: number;
  renewalMarginSeconds: number;
  /** Clock, replaceable in unit tests. */
  now?: () => number;
}

/**
 * Caches one tenancy's access token. Renews a margin before expiry; however many callers ask at
 * once, at most one login is in flight (they all await the same promise). A caller's abort
 * signal stops that caller's wait, not the shared login, which other callers may still need.
 */
export class TokenCache {
  private current?: AccessToken;
  private inflight?: Promise<AccessToken>;
  private readonly now: () => number;
  private logins = 0;

  constructor(private readonly options: TokenCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Number of logins this cache performed (successful or not). */
  get loginCount(): number {
    return this.logins;
  }

  /**
   * A valid token and whether this call had to log in for it. `pastBreaker`: a login this call
   * starts is not held back by the login breaker (a login already in flight is joined as is).
   */
  async get(
    signal?: AbortSignal,
    { pastBreaker = false }: { pastBreaker?: boolean } = {},
  ): Promise<{ token: AccessToken; loggedIn: boolean }> {
    signal?.throwIfAborted();
    const cached = this.current;
    if (cached !== undefined && this.isFresh(cached)) return { token: cached, loggedIn: false };
    const token = await abortable(this.renew(pastBreaker), signal);
    return { token, loggedIn: true };
  }

  /**
   * Forgets `rejected` after the server refused it (`401`). Only that exact token is dropped, so
   * twenty calls failing with the same stale token still cause a single login.
   */
  invalidate(rejected: AccessToken): void {
    if (this.current === rejected) this.current = undefined;
  }

  private isFresh(token: AccessToken): boolean {
    const lifetime = token.expiresAt - token.obtainedAt;
    // A fixed margin would never let short-lived tokens be used; cap it at a fifth of the life.
    const margin = Math.min(this.options.renewalMarginSeconds * 1000, lifetime / 5);
    return this.now() < token.expiresAt - margin;
  }

  private renew(pastBreaker: boolean): Promise<AccessToken> {
    this.inflight ??= this.login(pastBreaker).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async login(pastBreaker: boolean): Promise<AccessToken> {
    // Measured from the request, not the response: the server's clock started no later.
    const obtainedAt = this.now();
    this.logins += 1;
    const value = await this.options.login({ pastBreaker });
    const exp = jwtExpiry(value);
    const token: AccessToken =
      exp !== undefined && exp > obtainedAt
        ? { token: new Secret(value), obtainedAt, expiresAt: exp, expirySource: 'jwt' }
        : {
            token: new Secret(value),
            obtainedAt,
            expiresAt: obtainedAt + this.options.lifetimeSeconds * 1000,
            expirySource: 'configured',
          };
    this.current = token;
    return token;
  }
}

/** `exp` of a JWT in milliseconds, or undefined when the token is not a JWT with a numeric `exp`. */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    const exp = (payload as { exp?: unknown } | null)?.exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
