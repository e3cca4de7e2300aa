import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import type { DocumentKey, DocumentStore, StoredDocument } from './document-store';

/**
 * Stores documents as files under `root/<workItemId>/<versionId>/`. Each file is written to a
 * temporary name and renamed into place, so a reader never sees half a document and a retried
 * activity simply replaces the file with the same bytes.
 */
export class FileSystemDocumentStore implements DocumentStore {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  describe(): string {
    return `filesystem ${this.root}`;
  }

  async put(key: DocumentKey, body: Readable, _meta: { contentType: string }): Promise<StoredDocument> {
    const dir = path.join(this.root, safeSegment(key.workItemId), safeSegment(key.versionId));
    await mkdir(dir, { recursive: true });
    const target = path.join(dir, `${safeSegment(key.documentId)}-${safeFileName(key.fileName)}`);
    const partial = `${target}.${randomBytes(6).toString('hex')}.partial`;
    const hash = createHash('sha256');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, measure, createWriteStream(partial, { flags: 'wx' }));
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return { reference: pathToFileURL(target).href, size, sha256: hash.digest('hex') };
  }
}

/** A path segment that cannot climb out of the store (GUIDs pass unchanged). */
function safeSegment(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return cleaned === '' ? '_' : cleaned.slice(0, 100);
}

function safeFileName(value: string): string {
  return safeSegment(path.basename(value.replace(/\\/g, '/')));
}
