import { createHash, timingSafeEqual } from 'node:crypto';
import type { GatewayApiKey } from '../config';

/**
 * Recognises API keys from their configured SHA-256 hashes. The presented key is hashed and
 * compared with every configured hash in constant time, without stopping at a match, so neither
 * the comparison nor the number of comparisons tells an attacker how close a guess came.
 */
export class ApiKeyVerifier {
  private readonly keys: { name: string; hash: Buffer }[];

  constructor(keys: readonly GatewayApiKey[]) {
    this.keys = keys.map((key) => ({ name: key.name, hash: Buffer.from(key.sha256Hex, 'hex') }));
  }

  /** The name of the key, or undefined when it is not one of ours. */
  identify(presented: string): string | undefined {
    const hash = createHash('sha256').update(presented, 'utf8').digest();
    let found: string | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(hash, key.hash) && found === undefined) found = key.name;
    }
    return found;
  }
}

/** The key from `Authorization: Bearer <key>` or `X-API-Key: <key>`; undefined when neither is given. */
export function presentedApiKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const authorization = headers['authorization'];
  if (typeof authorization === 'string') {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (match !== null) return match[1];
  }
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  return undefined;
}
