import type { Readable } from 'node:stream';

/** Which document a stored file is, so that a retry writes the same place. */
export interface DocumentKey {
  workItemId: string;
  versionId: string;
  documentId: string;
  fileName: string;
}

/** What `put` is told about the bytes besides the key. */
export interface PutOptions {
  contentType: string;
  /**
   * The SHA-256 (hex) the producer announced, when it gives one. The store verifies the bytes
   * against it before the document becomes visible (a mismatch stores nothing and throws
   * `DocumentStoreError` with code `checksum-mismatch`), and a document already stored under the
   * key with this checksum is not written again.
   */
  expectedSha256?: string;
}

/** What comes back from the store: a reference, never the bytes. */
export interface StoredDocument {
  reference: string;
  size: number;
  sha256: string;
}

/** What the store knows about a stored document (`head`). */
export interface StoredDocumentInfo {
  reference: string;
  /** The whole document's size in bytes. */
  size: number;
  /**
   * SHA-256 (hex) recorded when the document was stored; absent only for documents this store
   * did not write itself (a file from before sidecars were kept, an object replaced by hand).
   */
  sha256?: string;
  contentType: string;
  /** The file name the document was stored with (for `Content-Disposition`). */
  fileName: string;
}

/**
 * A byte range as HTTP counts it: `start` and `end` are inclusive offsets; no `end` means to the
 * last byte, and an `end` past the last byte is cut to it.
 */
export interface ByteRange {
  start: number;
  end?: number;
}

/** A stored document's bytes (`get`): close `body` (read it to the end or destroy it). */
export interface DocumentContent extends StoredDocumentInfo {
  body: Readable;
  /** The part of the document `body` holds, when a range was asked for; `size` stays the whole size. */
  range?: { start: number; end: number };
}

/**
 * Where assembled documents go. Documents never travel through Temporal payloads (2 MB limit,
 * personal data): activities stream them here and pass on references, sizes and checksums.
 *
 * - `put` is idempotent per key: activities are retried, and a retry writes the same key with the
 *   same bytes. It streams (no whole document in memory), records size and SHA-256, and makes the
 *   document visible only once it is complete and verified.
 * - `get` and `head` take a reference this store handed out; any other reference is refused
 *   (`foreign-reference`), so a reference from a status cannot be turned into a read elsewhere.
 * - `presign` exists only on stores that can sign URLs (S3 presigned GET, Azure SAS).
 */
export interface DocumentStore {
  put(key: DocumentKey, body: Readable, options: PutOptions): Promise<StoredDocument>;
  get(reference: string, range?: ByteRange): Promise<DocumentContent>;
  head(reference: string): Promise<StoredDocumentInfo>;
  /**
   * A URL that lets its holder GET the document, without credentials, for `ttlSeconds`. The
   * download is named `fileName` (default: the stored file name).
   */
  presign?(reference: string, ttlSeconds: number, fileName?: string): Promise<string>;
  /**
   * Start-up check: throws `DocumentStoreError` with code `container-missing` when the bucket,
   * container or directory does not exist. Other problems (no permission to look, the service not
   * reachable yet) are returned as a warning for the log: puts may still succeed.
   */
  check(): Promise<{ warning?: string }>;
  /** A short description for start-up logs ("s3 bucket docs, prefix lifecycles/"); never a secret. */
  describe(): string;
  /** Releases connections; the store is unusable afterwards. */
  close(): Promise<void>;
}

export type DocumentStoreErrorCode =
  /** The bucket / container / directory does not exist; the message names the variable to fix. */
  | 'container-missing'
  /** The bytes did not match `expectedSha256`; nothing was stored. */
  | 'checksum-mismatch'
  /** No document under this reference. */
  | 'not-found'
  /** The reference was not handed out by this store (another bucket, prefix, scheme, or a path outside it). */
  | 'foreign-reference'
  /** The range starts at or beyond the end of the document. */
  | 'range-not-satisfiable'
  /** A bad argument (range, time to live); the message says which. */
  | 'invalid-argument'
  /** The store's credentials cannot sign URLs (for example an Azure connection string without an account key). */
  | 'presign-unavailable'
  /** The service refused the credentials or the permission. */
  | 'access-denied';

/** A store failure with a stable `code`; messages name the target and never carry secrets. */
export class DocumentStoreError extends Error {
  constructor(
    readonly code: DocumentStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DocumentStoreError';
  }
}

/** The longest a presigned URL may live: SigV4's limit, and a sensible ceiling for SAS too. */
export const MAX_PRESIGN_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Throws a body away unread. An HTTP response body (undici) emits an `AbortError` when destroyed
 * unread; without a listener that error would end the worker process.
 */
export function discardBody(body: Readable): void {
  body.once('error', () => undefined);
  body.destroy();
}
