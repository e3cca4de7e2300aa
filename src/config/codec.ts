import type { EncryptionKey } from '../codec/aes-gcm-codec';
import { loadPayloadEncryption } from './encryption';
import { ConfigError, LOOPBACK_HOSTS, read, setting, type Env, type SettingsTable } from './env';
import { flag, port, sha256Hexes, text } from './parsers';

/** The codec endpoint (`hotdocs-temporal codec-server`), beside the payload encryption keys. */
export const CODEC_SETTINGS = {
  port: setting({
    name: 'CODEC_PORT',
    description: 'port of the codec endpoint',
    default: '8888',
    parse: port,
  }),
  host: setting({
    name: 'CODEC_HOST',
    description: 'interface of the codec endpoint',
    default: '127.0.0.1',
    parse: text,
  }),
  authTokenHashes: setting({
    name: 'CODEC_AUTH_TOKEN_HASHES',
    description:
      'comma-separated SHA-256 hex digests of the bearer tokens allowed to call the codec endpoint',
    whenUnset: 'required unless `CODEC_ALLOW_UNAUTHENTICATED=true`',
    parse: sha256Hexes,
  }),
  corsOrigins: setting({
    name: 'CODEC_CORS_ORIGINS',
    description:
      'comma-separated browser origins allowed to call the codec endpoint (where Temporal UI runs)',
    default: 'http://localhost:8233',
    parse: (value) =>
      value
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o !== ''),
  }),
  allowUnauthenticated: setting({
    name: 'CODEC_ALLOW_UNAUTHENTICATED',
    description: '"true" allows calls without a token; only with a loopback `CODEC_HOST`',
    default: 'false',
    parse: flag,
  }),
} as const satisfies SettingsTable;

export interface CodecServerConfig {
  /** `CODEC_HOST`. */
  host: string;
  /** `CODEC_PORT`. */
  port: number;
  /** `PAYLOAD_ENCRYPTION_KEYS`: required. */
  keys: EncryptionKey[];
  /** `CODEC_AUTH_TOKEN_HASHES`: required unless unauthenticated calls are allowed. */
  tokenHashes: string[];
  /** `CODEC_CORS_ORIGINS`: where Temporal UI runs. */
  corsOrigins: string[];
  /** `CODEC_ALLOW_UNAUTHENTICATED=true`, only on a loopback host. */
  allowUnauthenticated: boolean;
}

/** The codec endpoint's configuration: keys are required; so is authentication off loopback. */
export function loadCodecServerConfig(env: Env = process.env): CodecServerConfig {
  const problems: string[] = [];
  const S = CODEC_SETTINGS;
  const { keys } = loadPayloadEncryption(env, problems);
  if (keys.length === 0 && problems.length === 0)
    problems.push('PAYLOAD_ENCRYPTION_KEYS (or _FILE) is required');
  const host = read(S.host, env, problems);
  const port = read(S.port, env, problems);
  const tokenHashes = read(S.authTokenHashes, env, problems) ?? [];
  const allowUnauthenticated = read(S.allowUnauthenticated, env, problems);
  if (allowUnauthenticated && !LOOPBACK_HOSTS.has(host)) {
    problems.push('CODEC_ALLOW_UNAUTHENTICATED=true is only allowed with a loopback CODEC_HOST');
  }
  if (
    !allowUnauthenticated &&
    tokenHashes.length === 0 &&
    !problems.some((p) => p.startsWith(S.authTokenHashes.name))
  ) {
    problems.push('CODEC_AUTH_TOKEN_HASHES is required (or CODEC_ALLOW_UNAUTHENTICATED=true on loopback)');
  }
  const corsOrigins = read(S.corsOrigins, env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { host, port, keys, tokenHashes, corsOrigins, allowUnauthenticated };
}
