import type { GatewayApiKey } from '../config';
import { bearerToken, HashedCredentialVerifier } from '../security/hashed-credentials';

/**
 * The configured API keys, recognised from their SHA-256 hashes (constant time, see
 * HashedCredentialVerifier). `replace` swaps the whole set at once, so a reload of the key file
 * never leaves a request half-way between the old keys and the new.
 */
export class ApiKeyRing {
  private current: { verifier: HashedCredentialVerifier; byName: Map<string, GatewayApiKey> };

  constructor(keys: readonly GatewayApiKey[]) {
    this.current = ApiKeyRing.index(keys);
  }

  /** The key presented, or undefined when it is not one of ours. */
  identify(presented: string | undefined): GatewayApiKey | undefined {
    const { verifier, byName } = this.current;
    const name = verifier.identify(presented);
    return name === undefined ? undefined : byName.get(name);
  }

  replace(keys: readonly GatewayApiKey[]): void {
    this.current = ApiKeyRing.index(keys);
  }

  keys(): GatewayApiKey[] {
    return [...this.current.byName.values()];
  }

  private static index(keys: readonly GatewayApiKey[]) {
    return { verifier: new HashedCredentialVerifier(keys), byName: new Map(keys.map((k) => [k.name, k])) };
  }
}

/** The key from `Authorization: Bearer <key>` or `X-API-Key: <key>`; undefined when neither is given. */
export function presentedApiKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const bearer = bearerToken(headers['authorization']);
  if (bearer !== undefined) return bearer;
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  return undefined;
}

/** Why a key without a scope deserves a warning in the log (and what to do about it). */
export function unscopedKeyWarnings(keys: readonly GatewayApiKey[]): string[] {
  return keys
    .filter((key) => key.scope === undefined)
    .map(
      (key) =>
        `API key "${key.name}" (${key.where}) is unscoped: it may use every tenancy with every ` +
        'permission. Add tenancies=… and permissions=… to limit it (docs/gateway.md, "API keys")',
    );
}
