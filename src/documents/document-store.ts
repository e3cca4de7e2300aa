import type { Readable } from 'node:stream';

/** Which document a stored file is, so that a retry writes the same place. */
export interface DocumentKey {
  workItemId: string;
  versionId: string;
  documentId: string;
  fileName: string;
}

/** What comes back from the store: a reference, never the bytes. */
export interface StoredDocument {
  reference: string;
  size: number;
  sha256: string;
}

/**
 * Where assembled documents go. Documents never travel through Temporal payloads (2 MB limit,
 * personal data): activities stream them here and pass on references, sizes and checksums.
 * `put` must be idempotent for the same key (activities are retried).
 */
export interface DocumentStore {
  put(key: DocumentKey, body: Readable, meta: { contentType: string }): Promise<StoredDocument>;
  /** A short description for start-up logs ("filesystem /var/lib/hotdocs"). */
  describe(): string;
}
