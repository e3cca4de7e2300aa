import type { EncryptionKey } from './aes-gcm-codec';

/**
 * Parses `id:base64key,id2:base64key` (the first encrypts, all decrypt). Problems name the key id
 * and never the key material.
 */
export function parseEncryptionKeys(text: string, source: string, problems: string[]): EncryptionKey[] {
  const keys: EncryptionKey[] = [];
  const entries = text
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter((e) => e !== '' && !e.startsWith('#'));
  if (entries.length === 0) problems.push(`${source}: no keys`);
  for (const [index, entry] of entries.entries()) {
    const separator = entry.indexOf(':');
    const id = separator > 0 ? entry.slice(0, separator) : '';
    const material = separator > 0 ? entry.slice(separator + 1) : '';
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
      problems.push(`${source}: entry ${index + 1} must look like <key-id>:<base64 of 32 bytes>`);
      continue;
    }
    const key = Buffer.from(material, 'base64');
    if (key.length !== 32 || !/^[A-Za-z0-9+/]+={0,2}$/.test(material)) {
      problems.push(`${source}: key "${id}" must be 32 bytes in base64 (openssl rand -base64 32)`);
      continue;
    }
    if (keys.some((k) => k.id === id)) {
      problems.push(`${source}: key id "${id}" appears twice`);
      continue;
    }
    keys.push({ id, key });
  }
  return keys;
}
