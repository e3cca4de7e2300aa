import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, lifecycleDataConverter, PayloadDecryptionError } from '../../src/codec';
import {
  ConfigError,
  loadCodecServerConfig,
  loadGatewayConfig,
  loadPayloadEncryption,
  loadWorkerConfig,
  type Env,
} from '../../src/config';

/**
 * PAYLOAD_ENCRYPTION_REQUIRED=true: every product refuses to start without keys (naming the
 * variable), and the codec refuses a payload that is not encrypted instead of passing it through.
 */

const KEY = { id: 'k1', key: randomBytes(32) };
const KEYS_TEXT = `k1:${KEY.key.toString('base64')}`;
const plain = defaultPayloadConverter.toPayload({ versionId: '2d7e4c1e-8a7b-4a8e-9c39-0e3f5f7a1b2c' });

function problemsOf(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const WORKER_ENV: Env = {
  ADVANCE_DEPLOYMENT: 'cloud',
  ADVANCE_TENANCY: 'acme',
  ADVANCE_CLIENT_NAME: 'orchestrator',
  ADVANCE_PRINCIPAL_NAME: 'svc-assembly',
  ADVANCE_PRINCIPAL_PASSWORD: 'pr1ncipal-pa55word',
};
const GATEWAY_ENV: Env = {
  GATEWAY_API_KEYS: `ops:${'a'.repeat(64)}`,
  GATEWAY_FINISH_LINK_SECRET: 'f'.repeat(64),
};
const CODEC_ENV: Env = { CODEC_ALLOW_UNAUTHENTICATED: 'true' };
const MISSING =
  'PAYLOAD_ENCRYPTION_REQUIRED=true but PAYLOAD_ENCRYPTION_KEYS (or PAYLOAD_ENCRYPTION_KEYS_FILE) is not set';

test.each([
  ['worker', () => loadWorkerConfig({ ...WORKER_ENV, PAYLOAD_ENCRYPTION_REQUIRED: 'true' })],
  ['gateway', () => loadGatewayConfig({ ...GATEWAY_ENV, PAYLOAD_ENCRYPTION_REQUIRED: 'true' })],
  ['codec endpoint', () => loadCodecServerConfig({ ...CODEC_ENV, PAYLOAD_ENCRYPTION_REQUIRED: 'true' })],
])('%s: required without keys is a configuration problem naming the variables', (_, load) => {
  expect(problemsOf(load)).toEqual([MISSING]);
});

test('clients (LifecycleClient.connect, the CLI) read the same rule', () => {
  const problems: string[] = [];
  expect(loadPayloadEncryption({ PAYLOAD_ENCRYPTION_REQUIRED: 'true' }, problems)).toEqual({
    keys: [],
    required: true,
  });
  expect(problems).toEqual([MISSING]);
});

test('with keys it starts; the setting is a strict true/false; unset means not required', () => {
  const worker = loadWorkerConfig({
    ...WORKER_ENV,
    PAYLOAD_ENCRYPTION_KEYS: KEYS_TEXT,
    PAYLOAD_ENCRYPTION_REQUIRED: 'true',
  });
  expect(worker.encryptionRequired).toBe(true);
  expect(loadWorkerConfig({ ...WORKER_ENV, PAYLOAD_ENCRYPTION_KEYS: KEYS_TEXT }).encryptionRequired).toBe(
    false,
  );
  expect(problemsOf(() => loadGatewayConfig({ ...GATEWAY_ENV, PAYLOAD_ENCRYPTION_REQUIRED: 'yes' }))).toEqual(
    ['PAYLOAD_ENCRYPTION_REQUIRED must be "true" or "false"'],
  );
});

test('the codec refuses an unencrypted payload when encryption is required, and still reads encrypted ones', async () => {
  const codec = new AesGcmPayloadCodec([KEY], { requireEncrypted: true });
  const [encrypted] = await codec.encode([plain]);
  expect(await codec.decode([encrypted!])).toEqual([expect.objectContaining({ data: plain.data })]);
  const refused = await codec.decode([plain]).catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(PayloadDecryptionError);
  expect((refused as Error).message).toMatch(/refused an unencrypted payload \(encoding "json\/plain"\)/);
  expect((refused as Error).message).toContain('PAYLOAD_ENCRYPTION_REQUIRED=true');
  // A payload without any encoding is no more acceptable.
  await expect(codec.decode([{ data: Buffer.from('x') }])).rejects.toThrow(/encoding "none"/);
  // Without the requirement the plain payload passes (lifecycles from before encryption).
  expect(await new AesGcmPayloadCodec([KEY]).decode([plain])).toEqual([plain]);
});

test('the data converter cannot be asked to require encryption without a key', () => {
  expect(() => lifecycleDataConverter([], { requireEncrypted: true })).toThrow(/no key is configured/);
  expect(lifecycleDataConverter([KEY], { requireEncrypted: true }).payloadCodecs).toHaveLength(1);
});
