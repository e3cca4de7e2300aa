import { createHmac, randomBytes } from 'node:crypto';

export type TokenScope = 'Query' | 'Command' | 'Root';
export type TokenFormat = 'jwt' | 'opaque';

export interface TokenSettings {
  format: TokenFormat;
  lifetimeSeconds: number;
  clientName: string;
  principalName: string;
  scope: TokenScope;
}

export type TokenCheck = { valid: true; scope: TokenScope } | { valid: false; reason: 'unknown' | 'expired' };

interface IssuedToken {
  expiresAtMs: number;
  scope: TokenScope;
}

// Tokens long past expiry are forgotten now and then so a long benchmark does not grow without bound.
const PRUNE_THRESHOLD = 10_000;

/**
 * Issues bearer tokens and checks them against wall-clock time. Every token is remembered, so
 * `expireAll` can invalidate the lot at once (a server-side key rotation, as far as a client sees).
 */
export class TokenIssuer {
  // A fresh key per process: tokens never survive a restart, like a real rotated signing key.
  private readonly signingKey = randomBytes(32);
  private readonly issued = new Map<string, IssuedToken>();

  constructor(private readonly settings: TokenSettings) {}

  issue(now = Date.now()): string {
    if (this.issued.size >= PRUNE_THRESHOLD) this.prune(now);
    const expiresAtMs = now + this.settings.lifetimeSeconds * 1000;
    const token = this.settings.format === 'jwt' ? this.signJwt(now, expiresAtMs) : opaqueToken();
    this.issued.set(token, { expiresAtMs, scope: this.settings.scope });
    return token;
  }

  check(token: string, now = Date.now()): TokenCheck {
    const issued = this.issued.get(token);
    if (issued === undefined) return { valid: false, reason: 'unknown' };
    if (now >= issued.expiresAtMs) return { valid: false, reason: 'expired' };
    return { valid: true, scope: issued.scope };
  }

  expireAll(): void {
    for (const token of this.issued.values()) token.expiresAtMs = 0;
  }

  clear(): void {
    this.issued.clear();
  }

  private prune(now: number): void {
    for (const [token, { expiresAtMs }] of this.issued) {
      if (expiresAtMs < now - 60_000) this.issued.delete(token);
    }
  }

  private signJwt(nowMs: number, expiresAtMs: number): string {
    const header = { alg: 'HS256', typ: 'JWT' };
    const payload = {
      sub: this.settings.principalName,
      client_id: this.settings.clientName,
      scope: this.settings.scope,
      iat: Math.floor(nowMs / 1000),
      // Rounded down: a client that trusts `exp` renews a little early, never late.
      exp: Math.floor(expiresAtMs / 1000),
      jti: randomBytes(12).toString('base64url'),
    };
    const unsigned = `${base64UrlJson(header)}.${base64UrlJson(payload)}`;
    const signature = createHmac('sha256', this.signingKey).update(unsigned).digest('base64url');
    return `${unsigned}.${signature}`;
  }
}

function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function opaqueToken(): string {
  return randomBytes(32).toString('base64url');
}
