import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  type CompletedPart,
  type S3ClientConfig,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
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
  discardBody,
  DocumentStoreError,
  type ByteRange,
  type DocumentContent,
  type DocumentKey,
  type DocumentStore,
  type PutOptions,
  type StoredDocument,
  type StoredDocumentInfo,
} from './document-store';
import { uploadInParts, type PartUploadOptions, type PartUploadResult } from './part-uploader';
import { Sha256Meter } from './sha256-meter';
import { checkRangeShape, checkTtl, rangedContent } from './store-arguments';

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

/** S3's smallest part (all but the last). */
const MIN_PART_SIZE = 5 * 1024 * 1024;
const DEFAULT_PART_SIZE = MIN_PART_SIZE;
const DEFAULT_PART_CONCURRENCY = 2;
/** Object metadata names (sent as x-amz-meta-*). */
const META_SHA256 = 'sha256';
const META_FILE_NAME = 'file-name';
/** Uploads whose checksum is not known in advance land here first (see `put`). */
const INCOMING = '.incoming/';

/**
 * Documents in an S3 bucket (AWS or an S3-compatible server), at
 * `<prefix><workItemId>/<versionId>/<documentId>-<fileName>`, streamed with a multipart upload
 * through reused part buffers (at most `partSizeBytes × (partConcurrency + 1)` of a document in
 * memory; see part-uploader.ts for why not @aws-sdk/lib-storage). The object carries
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
  private readonly partOptions: PartUploadOptions;

  constructor(options: S3DocumentStoreOptions) {
    this.options = options;
    this.bucket = options.bucket;
    this.prefix = normalisePrefix(options.prefix);
    this.partOptions = {
      partSize: options.partSizeBytes ?? DEFAULT_PART_SIZE,
      concurrency: options.partConcurrency ?? DEFAULT_PART_CONCURRENCY,
    };
    if (this.partOptions.partSize < MIN_PART_SIZE || this.partOptions.concurrency < 1)
      throw new RangeError(
        'S3DocumentStore: partSizeBytes must be at least 5 MiB and partConcurrency at least 1',
      );
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
      discardBody(body);
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
    return rangedContent(reference, info, body, range, response.ContentRange);
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

  /**
   * Streams `body` through `meter` into `objectKey`: one PutObject for a document that fits in a
   * part, else a multipart upload completed only after the meter has seen (and verified) the end.
   * Any failure aborts the multipart upload, so nothing becomes visible.
   */
  private async upload(
    objectKey: string,
    body: Readable,
    meter: Sha256Meter,
    params: ObjectParams,
  ): Promise<{ VersionId?: string }> {
    const target = { Bucket: this.bucket, Key: objectKey };
    // As @aws-sdk/lib-storage does: with the SDK's default integrity protection (CRC32 on every
    // request that supports it), the multipart upload is declared with that algorithm.
    const checksumAlgorithm =
      (await this.client.config.requestChecksumCalculation()) === 'WHEN_SUPPORTED' ? 'CRC32' : undefined;
    let created: Promise<string> | undefined;
    const parts: CompletedPart[] = [];
    let result: PartUploadResult | undefined;
    try {
      await pipeline(body, meter, async (source: AsyncIterable<Buffer>) => {
        result = await uploadInParts(source, this.partOptions, async (data, partNumber) => {
          created ??= this.client
            .send(
              new CreateMultipartUploadCommand({
                ...target,
                ...params,
                ...(checksumAlgorithm !== undefined && { ChecksumAlgorithm: checksumAlgorithm }),
              }),
            )
            .then((response) => response.UploadId ?? '');
          const uploadId = await created;
          const part = await this.client.send(
            new UploadPartCommand({
              ...target,
              UploadId: uploadId,
              PartNumber: partNumber,
              Body: data,
              ContentLength: data.length,
            }),
          );
          parts.push({
            PartNumber: partNumber,
            ETag: part.ETag,
            ...(part.ChecksumCRC32 !== undefined && { ChecksumCRC32: part.ChecksumCRC32 }),
          });
        });
      });
      if (result?.single !== undefined) {
        return await this.client.send(
          new PutObjectCommand({
            ...target,
            ...params,
            Body: result.single,
            ContentLength: result.single.length,
          }),
        );
      }
      const uploadId = (await created) ?? '';
      parts.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
      return await this.client.send(
        new CompleteMultipartUploadCommand({
          ...target,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (error) {
      if (created !== undefined) {
        const uploadId = await created.catch(() => undefined);
        if (uploadId !== undefined)
          await this.client
            .send(new AbortMultipartUploadCommand({ ...target, UploadId: uploadId }))
            .catch(() => undefined);
      }
      throw this.translate(error);
    }
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

/** What every object is written with besides its bytes. */
interface ObjectParams {
  ContentType: string;
  ContentDisposition: string;
  Metadata: Record<string, string>;
  ServerSideEncryption?: ServerSideEncryption;
  SSEKMSKeyId?: string;
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
