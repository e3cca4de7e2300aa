import type { EncryptionKey } from '../codec/aes-gcm-codec';
import { loadEncryptionKeys } from './encryption';
import { ConfigError, LOOPBACK_HOSTS, type Env, type VariableDocs } from './env';

export const CODEC_VARIABLES: VariableDocs = {
  CODEC_PORT: 'port of the codec endpoint (hotdocs-temporal codec-server; default 8888)',
  CODEC_HOST: 'interface of the codec endpoint (default 127.0.0.1)',
  CODEC_AUTH_TOKEN_HASHES: 'SHA-256 hex digests of the bearer tokens allowed to call the codec endpoint',
  CODEC_CORS_ORIGINS: 'browser origins allowed to call the codec endpoint (default http://localhost:8233)',
  CODEC_ALLOW_UNAUTHENTICATED: '"true" allows calls without a token; only with a loopback CODEC_HOST',
};

export interface CodecServerConfig {
  /** `CODEC_HOST`. @default '127.0.0.1' */
  host: string;
  /** `CODEC_PORT`. @default 8888 */
  port: number;
  /** `PAYLOAD_ENCRYPTION_KEYS`: required. */
  keys: EncryptionKey[];
  /** `CODEC_AUTH_TOKEN_HASHES`: required unless unauthenticated calls are allowed. */
  tokenHashes: string[];
  /** `CODEC_CORS_ORIGINS`: where Temporal UI runs. @default ['http://localhost:8233'] */
  corsOrigins: string[];
  /** `CODEC_ALLOW_UNAUTHENTICATED=true`, only on a loopback host. @default false */
  allowUnauthenticated: boolean;
}

/** The codec endpoint's configuration: keys are required; so is authentication off loopback. */
export function loadCodecServerConfig(env: Env = process.env): CodecServerConfig {
  const problems: string[] = [];
  const keys = loadEncryptionKeys(env, problems);
  if (keys.length === 0 && problems.length === 0)
    problems.push('PAYLOAD_ENCRYPTION_KEYS (or _FILE) is required');
  const host = env['CODEC_HOST'] || '127.0.0.1';
  const portText = env['CODEC_PORT'] || '8888';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) problems.push('CODEC_PORT must be a port number');
  const tokenHashes = (env['CODEC_AUTH_TOKEN_HASHES'] ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  if (tokenHashes.some((h) => !/^[0-9a-f]{64}$/.test(h))) {
    problems.push('CODEC_AUTH_TOKEN_HASHES must be SHA-256 hex digests (printf %s "$TOKEN" | sha256sum)');
  }
  const allowUnauthenticated = env['CODEC_ALLOW_UNAUTHENTICATED'] === 'true';
  if (allowUnauthenticated && !LOOPBACK_HOSTS.has(host)) {
    problems.push('CODEC_ALLOW_UNAUTHENTICATED=true is only allowed with a loopback CODEC_HOST');
  }
  if (!allowUnauthenticated && tokenHashes.length === 0) {
    problems.push('CODEC_AUTH_TOKEN_HASHES is required (or CODEC_ALLOW_UNAUTHENTICATED=true on loopback)');
  }
  const corsOrigins = (env['CODEC_CORS_ORIGINS'] || 'http://localhost:8233')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  if (problems.length > 0) throw new ConfigError(problems);
  return { host, port, keys, tokenHashes, corsOrigins, allowUnauthenticated };
}
