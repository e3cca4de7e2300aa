import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import {
  bindingMetadata,
  bindingMismatch,
  bindingOf,
  boundAdditionalData,
  readBinding,
  UNBOUND,
  type PayloadBinding,
} from './payload-binding';

/**
 * AES-256-GCM payload codec: every payload (workflow input with answer XML, results, signals,
 * memo, summaries, encoded failure messages) leaves the process encrypted. Each encrypted
 * payload names its key, so keys can rotate: encrypt with the current key, decrypt with any.
 * Each is also bound to its lifecycle (payload-binding.ts): read for another lifecycle, it is
 * refused. Payloads written before binding (no `encryption-format`) stay readable.
 */

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface EncryptionKey {
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

export class PayloadDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

/** An authentic payload read for a lifecycle other than the one it was written for. */
export class PayloadBindingError extends PayloadDecryptionError {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadBindingError';
  }
}

export interface AesGcmPayloadCodecOptions {
  /**
   * Refuse to decode a payload that is not encrypted (`PAYLOAD_ENCRYPTION_REQUIRED=true`):
   * whoever can reach Temporal without the keys cannot inject plain input or signals. Off, such a
   * payload passes through as it is, which a deployment moving to encryption needs for the
   * lifecycles started before. @default false
   */
  requireEncrypted?: boolean;
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly current: EncryptionKey;
  private readonly byId: Map<string, EncryptionKey>;
  private readonly requireEncrypted: boolean;

  /** `keys[0]` encrypts; all of them decrypt. */
  constructor(keys: readonly EncryptionKey[], options: AesGcmPayloadCodecOptions = {}) {
    const [current] = keys;
    if (current === undefined) throw new Error('at least one encryption key is needed');
    for (const { id, key } of keys) {
      if (key.length !== 32) throw new Error(`encryption key "${id}" must be 32 bytes, not ${key.length}`);
    }
    this.current = current;
    this.requireEncrypted = options.requireEncrypted ?? false;
    this.byId = new Map(keys.map((k) => [k.id, k]));
    if (this.byId.size !== keys.length) throw new Error('encryption key ids must be unique');
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  /** Encrypts for the lifecycle the context names (none: readable by no lifecycle). */
  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    const binding = bindingOf(context) ?? UNBOUND;
    return payloads.map((payload) => this.encrypt(payload, binding));
  }

  /**
   * Decrypts; with a context that names a lifecycle, refuses a payload bound to another one. Without
   * one (the codec endpoint), any authentic payload is read.
   */
  async decode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    const reader = bindingOf(context);
    return payloads.map((payload) => this.decrypt(payload, reader));
  }

  private encrypt(payload: Payload, binding: PayloadBinding): Payload {
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    // Key id and lifecycle are authenticated too: a payload cannot be relabelled to another key
    // or moved to another lifecycle.
    cipher.setAAD(boundAdditionalData(this.current.id, binding));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return {
      metadata: {
        encoding: Buffer.from(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: Buffer.from(this.current.id),
        ...bindingMetadata(binding),
      },
      data: Buffer.concat([iv, body, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload, reader: PayloadBinding | undefined): Payload {
    const encoding = payload.metadata?.['encoding'];
    const encodingName = encoding === undefined ? undefined : Buffer.from(encoding).toString();
    if (encodingName !== ENCRYPTED_ENCODING) {
      if (!this.requireEncrypted) return payload;
      throw new PayloadDecryptionError(
        `refused an unencrypted payload (encoding ${JSON.stringify(encodingName ?? 'none')}): with ` +
          'PAYLOAD_ENCRYPTION_REQUIRED=true only payloads encrypted with a configured key are read; ' +
          'it was sent by a client without the payload encryption keys',
      );
    }
    const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
    const keyId = keyIdBytes === undefined ? '' : Buffer.from(keyIdBytes).toString('utf8');
    const key = this.byId.get(keyId);
    if (key === undefined) {
      throw new PayloadDecryptionError(`payload was encrypted with key "${keyId}", which is not configured`);
    }
    const { format, binding } = readBinding(payload);
    let additionalData: Buffer;
    if (binding !== undefined) additionalData = boundAdditionalData(keyId, binding);
    // Written before payloads were bound: authenticated by its key id alone, readable anywhere.
    else if (format === '1') additionalData = Buffer.from(keyId, 'utf8');
    else {
      throw new PayloadDecryptionError(
        `payload is in encryption format ${JSON.stringify(format)}, which this release cannot read (written by a newer one?)`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new PayloadDecryptionError('encrypted payload is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key.key, data.subarray(0, IV_BYTES));
    decipher.setAAD(additionalData);
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new PayloadDecryptionError(`payload encrypted with key "${keyId}" failed authentication`);
    }
    // Checked after authentication: the binding it names is the one it was written with.
    const mismatch =
      binding === undefined || reader === undefined ? undefined : bindingMismatch(binding, reader);
    if (mismatch !== undefined) throw new PayloadBindingError(mismatch);
    return temporal.api.common.v1.Payload.decode(plain);
  }
}
