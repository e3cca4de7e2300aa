import type { EncryptionKey } from '../codec/aes-gcm-codec';
import { parseEncryptionKeys } from '../codec/keys';
import { given, read, setting, type Env, type SettingsTable } from './env';
import { flag, text } from './parsers';

export const ENCRYPTION_SETTINGS = {
  keys: setting({
    name: 'PAYLOAD_ENCRYPTION_KEYS',
    description:
      'payload encryption keys "id:base64,id2:base64" (the file: one per line); the first encrypts, all decrypt',
    whenUnset: 'none: payloads are not encrypted',
    parse: text,
    secret: true,
  }),
  required: setting({
    name: 'PAYLOAD_ENCRYPTION_REQUIRED',
    description:
      '"true": refuse to start without encryption keys, and refuse any payload that is not encrypted ([docs/deploy.md](docs/deploy.md))',
    default: 'false',
    parse: flag,
  }),
} as const satisfies SettingsTable;

/** Payload encryption as a process uses it: the keys, and whether unencrypted payloads are refused. */
export interface PayloadEncryption {
  /** `PAYLOAD_ENCRYPTION_KEYS` / `_FILE`: the first encrypts, all decrypt; empty: no encryption. */
  keys: EncryptionKey[];
  /**
   * `PAYLOAD_ENCRYPTION_REQUIRED=true`: keys are required, and a payload that is not encrypted
   * (one sent by a client without the keys) is refused instead of read.
   */
  required: boolean;
}

/**
 * Payload encryption, shared by every process that reads or writes lifecycle payloads (worker,
 * clients, gateway). Unset: no encryption. With `PAYLOAD_ENCRYPTION_REQUIRED=true` a missing key
 * is a configuration problem, so a deployment cannot lose its encryption by a forgotten variable.
 */
export function loadPayloadEncryption(env: Env, problems: string[]): PayloadEncryption {
  const required = read(ENCRYPTION_SETTINGS.required, env, problems);
  const keys = loadEncryptionKeys(env, problems);
  if (required && keys.length === 0 && !problems.some((p) => p.startsWith('PAYLOAD_ENCRYPTION_KEYS')))
    problems.push(
      'PAYLOAD_ENCRYPTION_REQUIRED=true but PAYLOAD_ENCRYPTION_KEYS (or PAYLOAD_ENCRYPTION_KEYS_FILE) is not set',
    );
  return { keys, required };
}

/** The keys alone, for a process that only decodes (replay-check). */
export function loadEncryptionKeys(env: Env, problems: string[]): EncryptionKey[] {
  const { name } = ENCRYPTION_SETTINGS.keys;
  const text = read(ENCRYPTION_SETTINGS.keys, env, problems);
  if (text === undefined) return [];
  const source = given(env, `${name}_FILE`) === undefined ? name : `${name}_FILE`;
  return parseEncryptionKeys(text, source, problems);
}
