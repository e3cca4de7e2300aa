import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, type EncryptionKey } from './aes-gcm-codec';

/** Where the failure converter lives: workers, the workflow bundle and clients load it by path. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/**
 * The data converter every part of the project uses (worker, clients, gateway): failure messages
 * as encoded payloads, and AES-GCM encryption of all payloads when keys are configured.
 */
export function lifecycleDataConverter(keys: readonly EncryptionKey[] = []): DataConverter {
  return {
    failureConverterPath: FAILURE_CONVERTER_PATH,
    payloadCodecs: keys.length > 0 ? [new AesGcmPayloadCodec(keys)] : [],
  };
}
