import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, type EncryptionKey } from './aes-gcm-codec';

/**
 * The failure converter for a deployment: encoded (encrypted with the payloads) when payloads are
 * encrypted, plain otherwise. Workers, the workflow bundle and clients load it by path.
 */
export function failureConverterPath(encrypted: boolean): string {
  return encrypted
    ? require.resolve('./failure-converter-encoded')
    : require.resolve('./failure-converter-plain');
}

/**
 * The data converter every part of the project uses (worker, clients, gateway): AES-GCM
 * encryption of all payloads, failure messages included, when keys are configured; with
 * `requireEncrypted` (PAYLOAD_ENCRYPTION_REQUIRED) a payload that is not encrypted is refused.
 */
export function lifecycleDataConverter(
  keys: readonly EncryptionKey[] = [],
  { requireEncrypted = false }: { requireEncrypted?: boolean } = {},
): DataConverter {
  const encrypted = keys.length > 0;
  if (requireEncrypted && !encrypted) throw new Error('encryption is required, but no key is configured');
  return {
    failureConverterPath: failureConverterPath(encrypted),
    payloadCodecs: encrypted ? [new AesGcmPayloadCodec(keys, { requireEncrypted })] : [],
  };
}
