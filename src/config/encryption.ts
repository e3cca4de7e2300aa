import type { EncryptionKey } from '../codec/aes-gcm-codec';
import { parseEncryptionKeys } from '../codec/keys';
import { secretFrom, type Env, type VariableDocs } from './env';

export const ENCRYPTION_VARIABLES: VariableDocs = {
  PAYLOAD_ENCRYPTION_KEYS:
    'payload encryption keys "id:base64,id2:base64"; the first encrypts, all decrypt (or PAYLOAD_ENCRYPTION_KEYS_FILE)',
  PAYLOAD_ENCRYPTION_KEYS_FILE: 'file holding the payload encryption keys, one "id:base64" per line',
  PAYLOAD_ENCRYPTION_REQUIRED:
    '"true": refuse to start without encryption keys, and refuse any payload that is not encrypted (default false; docs/deploy.md)',
};

/** Payload encryption as a process uses it: the keys, and whether unencrypted payloads are refused. */
export interface PayloadEncryption {
  /** `PAYLOAD_ENCRYPTION_KEYS` / `_FILE`: the first encrypts, all decrypt. @default [] (no encryption) */
  keys: EncryptionKey[];
  /**
   * `PAYLOAD_ENCRYPTION_REQUIRED=true`: keys are required, and a payload that is not encrypted
   * (one sent by a client without the keys) is refused instead of read. @default false
   */
  required: boolean;
}

/**
 * Payload encryption, shared by every process that reads or writes lifecycle payloads (worker,
 * clients, gateway, codec endpoint). Unset: no encryption. With `PAYLOAD_ENCRYPTION_REQUIRED=true`
 * a missing key is a configuration problem, so a deployment cannot lose its encryption by a
 * forgotten variable.
 */
export function loadPayloadEncryption(env: Env, problems: string[]): PayloadEncryption {
  const required = encryptionRequired(env, problems);
  const text = secretFrom(env, 'PAYLOAD_ENCRYPTION_KEYS', problems);
  if (text === undefined) {
    if (required && !problems.some((p) => p.startsWith('PAYLOAD_ENCRYPTION_KEYS')))
      problems.push(
        'PAYLOAD_ENCRYPTION_REQUIRED=true but PAYLOAD_ENCRYPTION_KEYS (or PAYLOAD_ENCRYPTION_KEYS_FILE) is not set',
      );
    return { keys: [], required };
  }
  const source = env['PAYLOAD_ENCRYPTION_KEYS_FILE']
    ? 'PAYLOAD_ENCRYPTION_KEYS_FILE'
    : 'PAYLOAD_ENCRYPTION_KEYS';
  return { keys: parseEncryptionKeys(text, source, problems), required };
}

/** The keys alone (see loadPayloadEncryption; the requirement is checked as well). */
export function loadEncryptionKeys(env: Env, problems: string[]): EncryptionKey[] {
  return loadPayloadEncryption(env, problems).keys;
}

function encryptionRequired(env: Env, problems: string[]): boolean {
  const raw = (env['PAYLOAD_ENCRYPTION_REQUIRED'] ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  problems.push('PAYLOAD_ENCRYPTION_REQUIRED must be "true" or "false"');
  return false;
}
