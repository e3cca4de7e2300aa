import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, constants, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { documentPath, isDocumentPath } from './document-layout';
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
import { Sha256Meter } from './sha256-meter';
import { resolveRange } from './store-arguments';

/** What is recorded next to each document: the facts `head` reports without reading the bytes. */
interface Sidecar {
  size: number;
  sha256: string;
  contentType: string;
  fileName: string;
}

/** Folder (per version folder) holding the sidecars; no document name starts with a dot. */
const SIDECAR_DIR = '.meta';

/**
 * Stores documents as files under `root/<workItemId>/<versionId>/`. Each file is written to a
 * temporary name and renamed into place, so a reader never sees half a document; a retried put
 * whose bytes equal the stored document leaves the stored file alone. Size, checksum, content
 * type and file name go to a small JSON sidecar (`.meta/<name>.json`) written after the file. It
 * cannot sign URLs (no `presign`): the gateway streams its documents itself.
 */
export class FileSystemDocumentStore implements DocumentStore {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  describe(): string {
    return `filesystem ${this.root}`;
  }

  async check(): Promise<{ warning?: string }> {
    try {
      await mkdir(this.root, { recursive: true });
      await access(this.root, constants.W_OK);
      return {};
    } catch (error) {
      throw new DocumentStoreError(
        'container-missing',
        `the document directory ${this.root} (DOCUMENT_STORE_DIR) cannot be created or written: ${errorCode(error)}`,
        { cause: error },
      );
    }
  }

  async put(key: DocumentKey, body: Readable, options: PutOptions): Promise<StoredDocument> {
    const relative = documentPath(key);
    const target = path.join(this.root, ...relative.split('/'));
    const reference = pathToFileURL(target).href;
    const existing = await this.readSidecarFor(target);
    const expected = options.expectedSha256?.toLowerCase();
    if (expected !== undefined && existing?.sha256 === expected) {
      discardBody(body);
      return { reference, size: existing.size, sha256: existing.sha256 };
    }
    try {
      await mkdir(path.join(path.dirname(target), SIDECAR_DIR), { recursive: true });
    } catch (error) {
      throw new DocumentStoreError(
        'container-missing',
        `cannot create ${path.dirname(target)} under DOCUMENT_STORE_DIR ${this.root}: ${errorCode(error)}`,
        { cause: error },
      );
    }
    const partial = `${target}.${randomBytes(6).toString('hex')}.partial`;
    const meter = new Sha256Meter(expected, `document ${relative}`);
    try {
      await pipeline(body, meter, createWriteStream(partial, { flags: 'wx' }));
      if (existing?.sha256 === meter.sha256 && existing.size === meter.byteCount) {
        // The same bytes are already in place: keep that file (and its identity) untouched.
        await rm(partial, { force: true });
      } else {
        await rename(partial, target);
      }
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    const sidecar: Sidecar = {
      size: meter.byteCount,
      sha256: meter.sha256,
      contentType: options.contentType,
      fileName: key.fileName,
    };
    if (JSON.stringify(existing) !== JSON.stringify(sidecar)) {
      await writeAtomically(sidecarPath(target), JSON.stringify(sidecar));
    }
    return { reference, size: meter.byteCount, sha256: meter.sha256 };
  }

  async head(reference: string): Promise<StoredDocumentInfo> {
    const file = this.pathOf(reference);
    const stats = await stat(file).catch((error: unknown) => {
      throw notFoundOr(error, reference);
    });
    const sidecar = await this.readSidecarFor(file);
    // A sidecar that does not describe this file (a file stored before sidecars existed, or a
    // crash between the rename and the sidecar) is not trusted: report what the file tells.
    const trusted = sidecar !== undefined && sidecar.size === stats.size ? sidecar : undefined;
    return {
      reference,
      size: stats.size,
      sha256: trusted?.sha256,
      contentType: trusted?.contentType ?? 'application/octet-stream',
      fileName: trusted?.fileName ?? path.basename(file),
    };
  }

  async get(reference: string, range?: ByteRange): Promise<DocumentContent> {
    const info = await this.head(reference);
    const file = this.pathOf(reference);
    if (range === undefined) return { ...info, body: createReadStream(file) };
    const resolved = resolveRange(range, info.size, reference);
    return { ...info, body: createReadStream(file, resolved), range: resolved };
  }

  async close(): Promise<void> {}

  /** The file a reference names, refused unless it is a document path inside the root. */
  private pathOf(reference: string): string {
    let file: string;
    try {
      file = path.resolve(fileURLToPath(reference));
    } catch {
      throw new DocumentStoreError('foreign-reference', `${reference} is not a file URL of this store`);
    }
    const relative = path.relative(this.root, file);
    if (
      relative.startsWith('..') ||
      path.isAbsolute(relative) ||
      !isDocumentPath(relative.split(path.sep).join('/'))
    ) {
      throw new DocumentStoreError(
        'foreign-reference',
        `${reference} is not a document of ${this.describe()}`,
      );
    }
    return file;
  }

  private async readSidecarFor(file: string): Promise<Sidecar | undefined> {
    try {
      const parsed = JSON.parse(await readFile(sidecarPath(file), 'utf8')) as Partial<Sidecar>;
      if (typeof parsed.sha256 !== 'string' || typeof parsed.size !== 'number') return undefined;
      // The sidecar is only as good as the file it describes.
      const stats = await stat(file);
      if (stats.size !== parsed.size) return undefined;
      return {
        size: parsed.size,
        sha256: parsed.sha256,
        contentType: typeof parsed.contentType === 'string' ? parsed.contentType : 'application/octet-stream',
        fileName: typeof parsed.fileName === 'string' ? parsed.fileName : path.basename(file),
      };
    } catch {
      return undefined;
    }
  }
}

function sidecarPath(file: string): string {
  return path.join(path.dirname(file), SIDECAR_DIR, `${path.basename(file)}.json`);
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const partial = `${file}.${randomBytes(6).toString('hex')}.partial`;
  try {
    await writeFile(partial, text, { flag: 'wx' });
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

function notFoundOr(error: unknown, reference: string): unknown {
  const code = errorCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return new DocumentStoreError('not-found', `no document at ${reference}`, { cause: error });
  return error;
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
}
