import type { EncryptionKey } from '../codec/aes-gcm-codec';
import { parseEncryptionKeys } from '../codec/keys';
import { secretFrom, type Env, type VariableDocs } from './env';

export const ENCRYPTION_VARIABLES: VariableDocs = {
  PAYLOAD_ENCRYPTION_KEYS:
    'payload encryption keys "id:base64,id2:base64"; the first encrypts, all decrypt (or PAYLOAD_ENCRYPTION_KEYS_FILE)',
  PAYLOAD_ENCRYPTION_KEYS_FILE: 'file holding the payload encryption keys, one "id:base64" per line',
};

/**
 * Payload encryption keys, shared by every process that reads or writes lifecycle payloads
 * (worker, clients, gateway, codec endpoint). Unset: no encryption.
 */
export function loadEncryptionKeys(env: Env, problems: string[]): EncryptionKey[] {
  const text = secretFrom(env, 'PAYLOAD_ENCRYPTION_KEYS', problems);
  if (text === undefined) return [];
  const source = env['PAYLOAD_ENCRYPTION_KEYS_FILE']
    ? 'PAYLOAD_ENCRYPTION_KEYS_FILE'
    : 'PAYLOAD_ENCRYPTION_KEYS';
  return parseEncryptionKeys(text, source, problems);
}
