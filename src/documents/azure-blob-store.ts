import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DefaultAzureCredential } from '@azure/identity';
import {
  BlobSASPermissions,
  BlobServiceClient,
  generateBlobSASQueryParameters,
  RestError,
  StorageSharedKeyCredential,
  type BlobHTTPHeaders,
  type BlockBlobClient,
  type ContainerClient,
} from '@azure/storage-blob';
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

/** How the store signs in: one of these. */
export type AzureBlobCredentials =
  /** A connection string (Azurite, or an account key copied from the portal). Holds a secret. */
  | { connectionString: string }
  /** The account's URL and one of its access keys. */
  | { accountUrl: string; accountKey: string }
  /** The account's URL and Microsoft Entra ID through `DefaultAzureCredential` (managed identity, workload identity, environment, Azure CLI). */
  | { accountUrl: string };

export type AzureBlobDocumentStoreOptions = AzureBlobCredentials & {
  /** The container; it must exist (the store never creates it, see `check`). */
  container: string;
  /** Blob name prefix for every document ("lifecycles/"); @default '' */
  prefix?: string;
  /**
   * Encryption scope every blob is written with (Azure always encrypts at rest; a scope picks the
   * key, for example a customer-managed one). @default the container's or account's default
   */
  encryptionScope?: string;
  /**
   * Base URL of the account in signed (SAS) URLs, when clients reach the service under another
   * name than the worker does ("http://localhost:10000/devstoreaccount1"). @default the account URL
   */
  publicUrl?: string;
  /** Block size in bytes. @default 4 MiB */
  blockSizeBytes?: number;
  /** Blocks uploaded at once; with `blockSizeBytes` this bounds the memory a put holds. @default 2 */
  blockConcurrency?: number;
};

const DEFAULT_BLOCK_SIZE = 4 * 1024 * 1024;
const DEFAULT_BLOCK_CONCURRENCY = 2;
const META_SHA256 = 'sha256';
/** Metadata names must be C# identifiers: no dash. */
const META_FILE_NAME = 'filename';
/** Signed URLs start this much in the past, so a client whose clock runs behind can use them at once. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Documents as block blobs in an Azure Storage container (or Azurite), named
 * `<prefix><workItemId>/<versionId>/<documentId>-<fileName>`. References look like
 * `azure-blob://<account>/<container>/<blob name>`.
 *
 * The bytes are staged as blocks while they stream in, through reused buffers (at most
 * `blockSizeBytes × (blockConcurrency + 1)` in memory; part-uploader.ts says why not the SDK's
 * uploadStream), and become visible only when the block list is committed —
 * after the checksum is known and verified, so the blob's metadata carries it. A document that
 * fits in one block is written with a single request. A put that finds the expected checksum
 * already stored, or whose bytes equal the stored blob, commits nothing: retries add no new
 * version. Staged blocks of an upload that never commits are discarded by the service (after a
 * week, or at the blob's next commit).
 */
export class AzureBlobDocumentStore implements DocumentStore {
  readonly containerName: string;
  readonly prefix: string;
  private readonly service: BlobServiceClient;
  private readonly container: ContainerClient;
  private readonly options: AzureBlobDocumentStoreOptions;
  private readonly blockOptions: PartUploadOptions;

  constructor(options: AzureBlobDocumentStoreOptions) {
    this.options = options;
    this.containerName = options.container;
    this.prefix = normalisePrefix(options.prefix);
    this.blockOptions = {
      partSize: options.blockSizeBytes ?? DEFAULT_BLOCK_SIZE,
      concurrency: options.blockConcurrency ?? DEFAULT_BLOCK_CONCURRENCY,
    };
    if (this.blockOptions.partSize < 1 || this.blockOptions.concurrency < 1)
      throw new RangeError('AzureBlobDocumentStore: blockSizeBytes and blockConcurrency must be at least 1');
    if ('connectionString' in options) {
      this.service = BlobServiceClient.fromConnectionString(options.connectionString);
    } else if ('accountKey' in options) {
      this.service = new BlobServiceClient(
        options.accountUrl,
        new StorageSharedKeyCredential(accountNameOf(options.accountUrl), options.accountKey),
      );
    } else {
      this.service = new BlobServiceClient(options.accountUrl, new DefaultAzureCredential());
    }
    this.container = this.service.getContainerClient(options.container);
  }

  describe(): string {
    const prefix = this.prefix === '' ? '' : `, prefix ${this.prefix}`;
    const scope =
      this.options.encryptionScope === undefined ? '' : `, encryption scope ${this.options.encryptionScope}`;
    // The URL without query: a SAS in a connection string never reaches a log.
    const url = this.service.url.split('?')[0];
    return `azure-blob container ${this.containerName} at ${url}${prefix}${scope}`;
  }

  async check(): Promise<{ warning?: string }> {
    try {
      await this.container.getProperties();
      return {};
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) throw this.containerMissing(error);
      return {
        warning: `cannot confirm that container ${this.containerName} exists: ${conciseMessage(error)}`,
      };
    }
  }

  async put(key: DocumentKey, body: Readable, options: PutOptions): Promise<StoredDocument> {
    const blobName = this.prefix + documentPath(key);
    const reference = this.referenceOf(blobName);
    const blob = this.container.getBlockBlobClient(blobName);
    const existing = await this.properties(blob);
    const expected = options.expectedSha256?.toLowerCase();
    if (expected !== undefined && existing?.sha256 === expected) {
      discardBody(body);
      return { reference, size: existing.size, sha256: expected };
    }
    const meter = new Sha256Meter(expected, `blob ${blobName} in container ${this.containerName}`);
    const headers: BlobHTTPHeaders = {
      blobContentType: options.contentType,
      blobContentDisposition: attachmentDisposition(key.fileName),
    };
    const encryptionScope = this.options.encryptionScope;
    const metadata = (sha256: string) => ({
      [META_SHA256]: sha256,
      [META_FILE_NAME]: encodeMetadataValue(key.fileName),
    });
    const unchanged = () => existing?.sha256 === meter.sha256 && existing.size === meter.byteCount;
    const scope = encryptionScope === undefined ? {} : { encryptionScope };
    // Block ids: the same length for every block of a blob; unique per upload attempt.
    const uploadId = randomBytes(8).toString('hex');
    const blockIds: string[] = [];
    const controller = new AbortController();
    try {
      let result: PartUploadResult | undefined;
      await pipeline(body, meter, async (source: AsyncIterable<Buffer>) => {
        result = await uploadInParts(source, this.blockOptions, async (data, blockNumber) => {
          const id = Buffer.from(`${uploadId}-${String(blockNumber).padStart(6, '0')}`).toString('base64');
          blockIds[blockNumber - 1] = id;
          await blob.stageBlock(id, data, data.length, { abortSignal: controller.signal, ...scope });
        });
      });
      // The meter has verified the checksum by now (a mismatch ends the pipeline with an error).
      if (!unchanged()) {
        const written = { blobHTTPHeaders: headers, metadata: metadata(meter.sha256), ...scope };
        if (result?.single !== undefined) await blob.upload(result.single, result.single.length, written);
        else await blob.commitBlockList(blockIds, written);
      }
    } catch (error) {
      controller.abort();
      throw this.translate(error);
    }
    return { reference, size: meter.byteCount, sha256: meter.sha256 };
  }

  async head(reference: string): Promise<StoredDocumentInfo> {
    const blobName = this.blobNameOf(reference);
    const found = await this.properties(this.container.getBlockBlobClient(blobName));
    if (found === undefined) throw new DocumentStoreError('not-found', `no document at ${reference}`);
    return { reference, ...found };
  }

  async get(reference: string, range?: ByteRange): Promise<DocumentContent> {
    const blobName = this.blobNameOf(reference);
    if (range !== undefined) checkRangeShape(range);
    const blob = this.container.getBlockBlobClient(blobName);
    let response;
    try {
      response =
        range === undefined
          ? await blob.download()
          : await blob.download(
              range.start,
              range.end === undefined ? undefined : range.end - range.start + 1,
            );
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 416) {
        throw new DocumentStoreError(
          'range-not-satisfiable',
          `${reference}: range starts at byte ${range?.start}, beyond the document's end`,
          { cause: error },
        );
      }
      if (error instanceof RestError && error.statusCode === 404 && error.code !== 'ContainerNotFound') {
        throw new DocumentStoreError('not-found', `no document at ${reference}`, { cause: error });
      }
      throw this.translate(error);
    }
    const body = response.readableStreamBody as Readable | undefined;
    if (body === undefined) throw new Error(`download of ${blobName} returned no stream`);
    const info = describeBlob(response, blobName);
    return rangedContent(reference, info, body, range, response.contentRange);
  }

  async presign(reference: string, ttlSeconds: number, fileName?: string): Promise<string> {
    const blobName = this.blobNameOf(reference);
    checkTtl(ttlSeconds);
    const now = Date.now();
    const values = {
      containerName: this.containerName,
      blobName,
      permissions: BlobSASPermissions.parse('r'),
      startsOn: new Date(now - CLOCK_SKEW_MS),
      expiresOn: new Date(now + ttlSeconds * 1000),
      ...(fileName !== undefined && { contentDisposition: attachmentDisposition(fileName) }),
    };
    const credential = this.service.credential;
    let sas: string;
    if (credential instanceof StorageSharedKeyCredential) {
      sas = generateBlobSASQueryParameters(values, credential).toString();
    } else if (typeof (credential as { getToken?: unknown }).getToken === 'function') {
      // Entra ID: a user delegation SAS, signed with a key the service lends for the URL's lifetime.
      const key = await this.service
        .getUserDelegationKey(values.startsOn, values.expiresOn)
        .catch((error: unknown) => {
          throw this.translate(error);
        });
      sas = generateBlobSASQueryParameters(values, key, this.service.accountName).toString();
    } else {
      throw new DocumentStoreError(
        'presign-unavailable',
        `${this.describe()}: the credentials cannot sign URLs (a connection string without an account key)`,
      );
    }
    const blobUrl = this.container.getBlockBlobClient(blobName).url.split('?')[0] ?? '';
    const publicUrl = this.options.publicUrl;
    const base = this.service.url.split('?')[0]?.replace(/\/$/, '') ?? '';
    const url =
      publicUrl === undefined || !blobUrl.startsWith(base)
        ? blobUrl
        : publicUrl.replace(/\/$/, '') + blobUrl.slice(base.length);
    return `${url}?${sas}`;
  }

  async close(): Promise<void> {}

  private async properties(
    blob: BlockBlobClient,
  ): Promise<Omit<StoredDocumentInfo, 'reference'> | undefined> {
    try {
      const properties = await blob.getProperties();
      return describeBlob(properties, blob.name);
    } catch (error) {
      // A missing container answers 404 too (ContainerNotFound): the write that follows says so.
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw this.translate(error);
    }
  }

  private referenceOf(blobName: string): string {
    return `azure-blob://${this.service.accountName}/${this.containerName}/${blobName}`;
  }

  /** The blob a reference names, refused unless it is a document of this container and prefix. */
  private blobNameOf(reference: string): string {
    const expected = `azure-blob://${this.service.accountName}/${this.containerName}/${this.prefix}`;
    const relative = reference.startsWith(expected) ? reference.slice(expected.length) : '';
    if (!isDocumentPath(relative)) {
      throw new DocumentStoreError(
        'foreign-reference',
        `${reference} is not a document of ${this.describe()}`,
      );
    }
    return this.prefix + relative;
  }

  private containerMissing(cause: unknown): DocumentStoreError {
    return new DocumentStoreError(
      'container-missing',
      `container "${this.containerName}" does not exist in storage account ${this.service.accountName} ` +
        '(DOCUMENT_STORE_AZURE_CONTAINER): create it, or correct the variable',
      { cause },
    );
  }

  private translate(error: unknown): unknown {
    if (error instanceof DocumentStoreError || !(error instanceof RestError)) return error;
    if (error.code === 'ContainerNotFound') return this.containerMissing(error);
    if (error.statusCode === 403) {
      return new DocumentStoreError(
        'access-denied',
        `container ${this.containerName}: access denied (${conciseMessage(error)}); check the credentials and their role`,
        { cause: error },
      );
    }
    return error;
  }
}

function describeBlob(
  properties: { contentLength?: number; contentType?: string; metadata?: Record<string, string> },
  blobName: string,
): Omit<StoredDocumentInfo, 'reference'> {
  const sha256 = properties.metadata?.[META_SHA256];
  return {
    size: properties.contentLength ?? 0,
    ...(sha256 !== undefined && { sha256 }),
    contentType: properties.contentType ?? 'application/octet-stream',
    fileName:
      decodeMetadataValue(properties.metadata?.[META_FILE_NAME]) ??
      blobName.slice(blobName.lastIndexOf('/') + 1),
  };
}

/**
 * The account name in an account URL: the first label of `<account>.blob.core.windows.net` (and
 * other clouds' hosts), or the first path segment for emulator-style URLs
 * (`http://127.0.0.1:10000/devstoreaccount1`).
 */
export function accountNameOf(accountUrl: string): string {
  const url = new URL(accountUrl);
  const fromHost = /^([a-z0-9]{3,24})\.blob\./.exec(url.hostname)?.[1];
  return fromHost ?? url.pathname.split('/').find((s) => s !== '') ?? '';
}

function conciseMessage(error: unknown): string {
  const text = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  return text.slice(0, 300);
}
