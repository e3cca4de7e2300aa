import { bearerToken, HashedCredentialVerifier } from '../security/hashed-credentials';

/** Recognises API keys from their configured SHA-256 hashes (constant time, see the base class). */
export class ApiKeyVerifier extends HashedCredentialVerifier {}

/** The key from `Authorization: Bearer <key>` or `X-API-Key: <key>`; undefined when neither is given. */
export function presentedApiKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const bearer = bearerToken(headers['authorization']);
  if (bearer !== undefined) return bearer;
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  return undefined;
}
