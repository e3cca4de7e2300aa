import { createHash, timingSafeEqual } from 'node:crypto';

/** How credentials are configured: the hex SHA-256 of the secret (`printf %s "$KEY" | sha256sum`). */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Recognises credentials (API keys, codec tokens) from their configured SHA-256 hashes. The
 * presented secret is hashed and compared with every configured hash in constant time, without
 * stopping at a match, so neither the comparison nor the number of comparisons tells an attacker
 * how close a guess came.
 */
export class HashedCredentialVerifier {
  private readonly entries: { name: string; hash: Buffer }[];

  constructor(entries: ReadonlyArray<{ name: string; sha256Hex: string }>) {
    this.entries = entries.map((entry) => ({ name: entry.name, hash: Buffer.from(entry.sha256Hex, 'hex') }));
  }

  /** The name of the matching credential, or undefined when it is not one of ours. */
  identify(presented: string | undefined): string | undefined {
    if (presented === undefined || presented === '') return undefined;
    const hash = createHash('sha256').update(presented, 'utf8').digest();
    let found: string | undefined;
    for (const entry of this.entries) {
      if (entry.hash.length === hash.length && timingSafeEqual(hash, entry.hash) && found === undefined) {
        found = entry.name;
      }
    }
    return found;
  }
}

/** The token of `Authorization: Bearer <token>`, if that is what the header holds. */
export function bearerToken(authorization: string | string[] | undefined): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization)?.[1];
}
