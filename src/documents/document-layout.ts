import contentDisposition from 'content-disposition';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DocumentKey } from './document-store';

/**
 * Where a document lives inside a store, the same for every kind of store:
 * `<workItemId>/<versionId>/<documentId>-<fileName>`. The path depends on the key only, so a
 * retried put lands on the same place; every segment is cleaned so that none can climb out of
 * the store or start with a dot (names starting with a dot are the stores' own bookkeeping).
 */
export function documentPath(key: DocumentKey): string {
  return [
    safeSegment(key.workItemId),
    safeSegment(key.versionId),
    `${safeSegment(key.documentId)}-${safeFileName(key.fileName)}`,
  ].join('/');
}

/**
 * The store a reference points into, in the words of the stores' `describe()` ("s3 bucket
 * documents, prefix lifecycles/"): what an operator needs when a reference was written by a
 * worker with another store than the reader's. Undefined for a reference none of ours writes.
 */
export function storeOfReference(reference: string): string | undefined {
  // Every reference ends in `documentPath`'s three segments; what is before them is the store.
  const within = (key: string) => key.split('/').slice(0, -3).join('/');
  const prefix = (key: string) => (within(key) === '' ? '' : `, prefix ${within(key)}/`);
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(reference);
  if (s3 !== null) return `s3 bucket ${s3[1]}${prefix(s3[2]!)}`;
  const azure = /^azure-blob:\/\/([^/]+)\/([^/]+)\/(.+)$/.exec(reference);
  if (azure !== null) return `azure-blob container ${azure[2]} of account ${azure[1]}${prefix(azure[3]!)}`;
  if (!reference.startsWith('file:')) return undefined;
  try {
    return `filesystem ${path.dirname(path.dirname(path.dirname(fileURLToPath(reference))))}`;
  } catch {
    return undefined;
  }
}

/** True for paths `documentPath` can produce (three clean segments): anything else is refused. */
export function isDocumentPath(relative: string): boolean {
  const segments = relative.split('/');
  return segments.length === 3 && segments.every((s) => s !== '' && safeSegment(s) === s);
}

/** A path segment that cannot climb out of the store (GUIDs pass unchanged). */
export function safeSegment(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return cleaned === '' ? '_' : cleaned.slice(0, 100);
}

function safeFileName(value: string): string {
  return safeSegment(path.basename(value.replace(/\\/g, '/')));
}

/** `attachment; filename="…"` with an ASCII fallback and the exact UTF-8 name (RFC 6266). */
export function attachmentDisposition(fileName: string): string {
  const fallback = fileName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, '_');
  return contentDisposition(fileName, { fallback });
}

/**
 * Object metadata travels as HTTP headers, which carry ASCII only: the file name is stored
 * percent-encoded and decoded when read.
 */
export function encodeMetadataValue(value: string): string {
  return encodeURIComponent(value);
}

export function decodeMetadataValue(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** A prefix as stores use it: no leading slash, one trailing slash unless empty. */
export function normalisePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').trim().replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}
