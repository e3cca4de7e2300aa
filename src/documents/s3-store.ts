import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  attachmentDisposition,
  decodeMetadataValue,
  documentPath,
  encodeMetadataValue,
  isDocumentPath,
  normalisePrefix,
} from './document-layout';
import {
  DocumentStoreError,
  type ByteRange,
  type DocumentContent,
  type DocumentKey,
  type DocumentStore,
  type PutOptions,
  type StoredDocument,
  type StoredDocumentInfo,
} from './document-store';
import { Sha256Meter } from './sha256-meter';
import { checkRangeShape, checkTtl } from './store-arguments';

export interface S3DocumentStoreOptions {
  /** The bucket; it must exist (the store never creates it, see `check`). */
  bucket: string;
  /** Key prefix for every document ("lifecycles/"); @default '' (the bucket's root) */
  prefix?: string;
  /**
   * The region. @default the SDK's chain (AWS_REGION, the profile), or 'us-east-1' when an
   * `endpoint` is given (S3-compatible servers mostly ignore it, but SigV4 needs one).
   */
  region?: string;
  /** An S3-compatible server's URL ("http://127.0.0.1:7070"). @default AWS's endpoint for the region */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need. @default false */
  forcePathStyle?: boolean;
  /** Explicit credentials. @default the SDK's default chain (environment, profile, container or instance role) */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Server-side encryption of every object written. @default none requested (the bucket's default applies) */
  serverSideEncryption?: ServerSideEncryption;
  /** The KMS key for `aws:kms` / `aws:kms:dsse`. @default the account's AWS managed key */
  kmsKeyId?: string;
  /**
   * The endpoint presigned URLs point at, when clients reach the server under another name than
   * the worker does (compose: `http://objects:7070` inside, `http://localhost:7070` outside).
   * @default `endpoint`
   */
  publicEndpoint?: string;
  /** Multipart part size in bytes (S3's minimum is 5 MiB). @default 5 MiB */
  partSizeBytes?: number;
  /** Parts uploaded at once; with `partSizeBytes` this bounds the memory a put holds. @default 2 */
  partConcurrency?: number;
}

const DEFAULT_PART_SIZE = 5 * 1024 * 1024;
const DEFAULT_PART_CONCURRENCY = 2;
/** Object metadata names (sent as x-amz-meta-*). */
const META_SHA256 = 'sha256';
const META_FILE_NAME = 'file-name';
/** Uploads whose checksum is not known in advance land here first (see `put`). */
const INCOMING = '.incoming/';

/**
 * Documents in an S3 bucket (AWS or an S3-compatible server), at
 * `<prefix><workItemId>/<versionId>/<documentId>-<fileName>`, streamed with a multipart upload
 * (at most `partSizeBytes × (partConcurrency + 1)` of a document in memory). The object carries
 * its SHA-256 and file name as metadata, and `Content-Type` / `Content-Disposition` for downloads.
 * References look like `s3://<bucket>/<key>`.
 *
 * Idempotence: a put that finds the key already holding the expected checksum writes nothing; a
 * put whose bytes equal the stored object does not replace it. So a retried activity adds neither
 * a second object nor, in a versioned bucket, a new version. Metadata must be sent when an upload
 * starts, so when the checksum is not known in advance the bytes go to `<prefix>.incoming/<uuid>`
 * first and are copied into place (a server-side copy) only once their checksum is known and
 * differs from what is stored; the incoming object is deleted either way. An upload that fails or
 * does not match `expectedSha256` is aborted: nothing becomes visible. Give the bucket a lifecycle
 * rule that aborts incomplete multipart uploads and expires `<prefix>.incoming/` after a day, for
 * workers that die mid-upload.
 */
export class S3DocumentStore implements DocumentStore {
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly presignClient: S3Client;
  private readonly options: S3DocumentStoreOptions;

  constructor(options: S3DocumentStoreOptions) {
    this.options = options;
    this.bucket = options.bucket;
    this.prefix = normalisePrefix(options.prefix);
    const config: S3ClientConfig = {
      region: options.region ?? (options.endpoint !== undefined ? 'us-east-1' : undefined),
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
      ...(options.credentials !== undefined && { credentials: options.credentials }),
    };
    this.client = new S3Client(config);
    // Signing is local: a second client only to put the public host into presigned URLs.
    this.presignClient =
      options.publicEndpoint === undefined
        ? this.client
        : new S3Client({ ...config, endpoint: options.publicEndpoint });
  }

  describe(): string {
    const where = this.options.endpoint === undefined ? '' : ` at ${this.options.endpoint}`;
    const prefix = this.prefix === '' ? '' : `, prefix ${this.prefix}`;
    const sse =
      this.options.serverSideEncryption === undefined
        ? ''
        : `, encryption ${this.options.serverSideEncryption}`;
    return `s3 bucket ${this.bucket}${where}${prefix}${sse}`;
  }

  async check(): Promise<{ warning?: string }> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return {};
    } catch (error) {
      if (statusOf(error) === 404) throw this.bucketMissing(error);
      // HeadBucket needs s3:ListBucket, which a writer may well not have; puts may still work.
      return { warning: `cannot confirm that bucket ${this.bucket} exists: ${conciseMessage(error)}` };
    }
  }

  async put(key: DocumentKey, body: Readable, options: PutOptions): Promise<StoredDocument> {
    const objectKey = this.prefix + documentPath(key);
    const reference = this.referenceOf(objectKey);
    const existing = await this.headKey(objectKey);
    const expected = options.expectedSha256?.toLowerCase();
    if (expected !== undefined && existing?.sha256 === expected) {
      body.destroy();
      return { reference, size: existing.size, sha256: expected };
    }
    const headers = {
      ContentType: options.contentType,
      ContentDisposition: attachmentDisposition(key.fileName),
      ...this.encryption(),
    };
    const fileName = encodeMetadataValue(key.fileName);
    const meter = new Sha256Meter(expected, `document ${objectKey} in bucket ${this.bucket}`);
    if (expected !== undefined) {
      // The checksum is known: straight into place; a mismatch fails the stream before the
      // upload completes, so nothing is stored.
      await this.upload(objectKey, body, meter, {
        ...headers,
        Metadata: { [META_SHA256]: expected, [META_FILE_NAME]: fileName },
      });
      return { reference, size: meter.byteCount, sha256: expected };
    }
    const incoming = `${this.prefix}${INCOMING}${randomUUID()}`;
    let incomingVersion: string | undefined;
    try {
      incomingVersion = (
        await this.upload(incoming, body, meter, { ...headers, Metadata: { [META_FILE_NAME]: fileName } })
      ).VersionId;
      const sha256 = meter.sha256;
      if (existing?.sha256 !== sha256 || existing.size !== meter.byteCount) {
        await this.client
          .send(
            new CopyObjectCommand({
              Bucket: this.bucket,
              Key: objectKey,
              CopySource: `${this.bucket}/${incoming.split('/').map(encodeURIComponent).join('/')}`,
              MetadataDirective: 'REPLACE',
              Metadata: { [META_SHA256]: sha256, [META_FILE_NAME]: fileName },
              ...headers,
            }),
          )
          .catch((error: unknown) => {
            throw this.translate(error);
          });
      }
      return { reference, size: meter.byteCount, sha256 };
    } finally {
      // In a versioned bucket only deleting the version itself frees it (a plain delete would
      // leave it behind a delete marker).
      await this.client
        .send(new DeleteObjectCommand({ Bucket: this.bucket, Key: incoming, VersionId: incomingVersion }))
        .catch(() => undefined);
    }
  }

  async head(reference: string): Promise<StoredDocumentInfo> {
    const objectKey = this.keyOf(reference);
    const found = await this.headKey(objectKey);
    if (found === undefined) throw new DocumentStoreError('not-found', `no document at ${reference}`);
    return { reference, ...found };
  }

  async get(reference: string, range?: ByteRange): Promise<DocumentContent> {
    const objectKey = this.keyOf(reference);
    if (range !== undefined) checkRangeShape(range);
    let response;
    try {
      response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: objectKey,
          ...(range !== undefined && { Range: `bytes=${range.start}-${range.end ?? ''}` }),
        }),
      );
    } catch (error) {
      if (statusOf(error) === 416)
        throw new DocumentStoreError(
          'range-not-satisfiable',
          `${reference}: range starts at byte ${range?.start}, beyond the document's end`,
          { cause: error },
        );
      if (statusOf(error) === 404) throw this.notFound(error, reference);
      throw this.translate(error);
    }
    const body = response.Body;
    if (!(body instanceof Readable)) throw new Error(`GetObject on ${objectKey} returned no stream`);
    const info = describeObject(response, objectKey);
    // "bytes 10-19/1000": the part served and the whole size.
    const contentRange = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(response.ContentRange ?? '');
    if (range !== undefined && contentRange !== null) {
      return {
        reference,
        ...info,
        size: Number(contentRange[3]),
        body,
        range: { start: Number(contentRange[1]), end: Number(contentRange[2]) },
      };
    }
    return { reference, ...info, body };
  }

  async presign(reference: string, ttlSeconds: number, fileName?: string): Promise<string> {
    const objectKey = this.keyOf(reference);
    checkTtl(ttlSeconds);
    return getSignedUrl(
      this.presignClient,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: objectKey,
        ...(fileName !== undefined && { ResponseContentDisposition: attachmentDisposition(fileName) }),
      }),
      { expiresIn: ttlSeconds },
    );
  }

  async close(): Promise<void> {
    this.client.destroy();
    if (this.presignClient !== this.client) this.presignClient.destroy();
  }

  private async upload(
    objectKey: string,
    body: Readable,
    meter: Sha256Meter,
    params: Record<string, unknown>,
  ): Promise<{ VersionId?: string }> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: objectKey, Body: meter, ...params },
      partSize: this.options.partSizeBytes ?? DEFAULT_PART_SIZE,
      queueSize: this.options.partConcurrency ?? DEFAULT_PART_CONCURRENCY,
      leavePartsOnError: false,
    });
    // The pipeline carries a source failure (a broken download) or a checksum mismatch into the
    // meter, which the upload reads: lib-storage then aborts the multipart upload and rejects with
    // that error. An upload that fails on its own stops reading, so the source is torn down too.
    const uploaded = upload.done().catch((error: unknown) => {
      meter.destroy(error instanceof Error ? error : new Error(String(error)));
      throw error;
    });
    const [fed, done] = await Promise.allSettled([pipeline(body, meter), uploaded]);
    if (done.status === 'rejected') throw this.translate(done.reason);
    if (fed.status === 'rejected') throw fed.reason;
    return done.value;
  }

  private async headKey(objectKey: string): Promise<Omit<StoredDocumentInfo, 'reference'> | undefined> {
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      return describeObject(response, objectKey);
    } catch (error) {
      // HEAD has no body: a missing key and a missing bucket both answer a bare 404. The write
      // that follows tells them apart (NoSuchBucket).
      if (statusOf(error) === 404) return undefined;
      throw this.translate(error);
    }
  }

  private encryption(): { ServerSideEncryption?: ServerSideEncryption; SSEKMSKeyId?: string } {
    const { serverSideEncryption, kmsKeyId } = this.options;
    return {
      ...(serverSideEncryption !== undefined && { ServerSideEncryption: serverSideEncryption }),
      ...(kmsKeyId !== undefined && { SSEKMSKeyId: kmsKeyId }),
    };
  }

  private referenceOf(objectKey: string): string {
    return `s3://${this.bucket}/${objectKey}`;
  }

  /** The key a reference names, refused unless it is a document of this bucket and prefix. */
  private keyOf(reference: string): string {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(reference);
    const objectKey = match?.[2] ?? '';
    if (
      match?.[1] !== this.bucket ||
      !objectKey.startsWith(this.prefix) ||
      !isDocumentPath(objectKey.slice(this.prefix.length))
    ) {
      throw new DocumentStoreError(
        'foreign-reference',
        `${reference} is not a document of ${this.describe()}`,
      );
    }
    return objectKey;
  }

  private bucketMissing(cause: unknown): DocumentStoreError {
    return new DocumentStoreError(
      'container-missing',
      `bucket "${this.bucket}" does not exist${this.options.endpoint === undefined ? '' : ` at ${this.options.endpoint}`} ` +
        '(DOCUMENT_STORE_S3_BUCKET): create it, or correct the variable',
      { cause },
    );
  }

  private notFound(error: unknown, reference: string): DocumentStoreError {
    if (errorName(error) === 'NoSuchBucket') return this.bucketMissing(error);
    return new DocumentStoreError('not-found', `no document at ${reference}`, { cause: error });
  }

  /** The service's failures that have a stable meaning become DocumentStoreErrors; others pass. */
  private translate(error: unknown): unknown {
    if (error instanceof DocumentStoreError) return error;
    const name = errorName(error);
    if (name === 'NoSuchBucket') return this.bucketMissing(error);
    if (name === 'AccessDenied' || statusOf(error) === 403) {
      return new DocumentStoreError(
        'access-denied',
        `bucket ${this.bucket}: access denied (${conciseMessage(error)}); check the credentials and their permissions`,
        { cause: error },
      );
    }
    return error;
  }
}

function describeObject(
  response: { ContentLength?: number; ContentType?: string; Metadata?: Record<string, string> },
  objectKey: string,
): Omit<StoredDocumentInfo, 'reference'> {
  const sha256 = response.Metadata?.[META_SHA256];
  return {
    size: response.ContentLength ?? 0,
    ...(sha256 !== undefined && { sha256 }),
    contentType: response.ContentType ?? 'application/octet-stream',
    fileName:
      decodeMetadataValue(response.Metadata?.[META_FILE_NAME]) ??
      objectKey.slice(objectKey.lastIndexOf('/') + 1),
  };
}

function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function conciseMessage(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, 300);
}
