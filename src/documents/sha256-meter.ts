import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DocumentStoreError } from './document-store';

/**
 * Passes bytes through while counting them and hashing them with SHA-256. With an expected
 * checksum, a mismatch fails the stream at its very end, before the consumer sees the end: an
 * upload reading from it never completes, so a corrupted document is never made visible.
 */
export class Sha256Meter extends Transform {
  #hash = createHash('sha256');
  #size = 0;
  #sha256: string | undefined;

  /** @param expectedSha256 hex digest the bytes must have; undefined: measure only. */
  constructor(
    private readonly expectedSha256: string | undefined,
    private readonly describeTarget: string,
  ) {
    super();
  }

  /** Bytes seen so far (not `size`: upload libraries would take that for the total length). */
  get byteCount(): number {
    return this.#size;
  }

  /** The hex digest, once the stream has ended. */
  get sha256(): string {
    if (this.#sha256 === undefined) throw new Error('Sha256Meter: the stream has not ended yet');
    return this.#sha256;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.#sha256 = this.#hash.digest('hex');
    const expected = this.expectedSha256?.toLowerCase();
    if (expected !== undefined && expected !== this.#sha256) {
      done(
        new DocumentStoreError(
          'checksum-mismatch',
          `${this.describeTarget}: the bytes have SHA-256 ${this.#sha256}, expected ${expected}; nothing was stored`,
        ),
      );
      return;
    }
    done();
  }
}
