import type { Readable } from 'node:stream';
import {
  discardBody,
  DocumentStoreError,
  MAX_PRESIGN_TTL_SECONDS,
  type ByteRange,
  type DocumentContent,
} from './document-store';

/**
 * Checks a requested range against the document's size and resolves it to inclusive offsets
 * (an `end` past the last byte is cut to it, as HTTP does).
 */
export function resolveRange(range: ByteRange, size: number, target: string): { start: number; end: number } {
  const { start, end } = range;
  if (
    !Number.isSafeInteger(start) ||
    start < 0 ||
    (end !== undefined && (!Number.isSafeInteger(end) || end < start))
  ) {
    throw new DocumentStoreError(
      'invalid-argument',
      `range ${start}-${end ?? ''}: start and end must be whole numbers with 0 <= start <= end`,
    );
  }
  if (start >= size) {
    throw new DocumentStoreError(
      'range-not-satisfiable',
      `${target}: range starts at byte ${start}, the document has ${size} bytes`,
    );
  }
  return { start, end: Math.min(end ?? size - 1, size - 1) };
}

/** Checks the range's shape before a store that resolves it itself is asked. */
export function checkRangeShape(range: ByteRange): void {
  resolveRange(range, Number.MAX_SAFE_INTEGER, '');
}

export function checkTtl(ttlSeconds: number): void {
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_PRESIGN_TTL_SECONDS) {
    throw new DocumentStoreError(
      'invalid-argument',
      `ttlSeconds must be a whole number from 1 to ${MAX_PRESIGN_TTL_SECONDS} (7 days), got ${ttlSeconds}`,
    );
  }
}

/**
 * A ranged response as the store returns it, from the service's `Content-Range`
 * ("bytes 10-19/1000"). Services differ at the edges (a range starting at the very end may come
 * back empty instead of 416), so what was served is checked against what was asked.
 */
export function rangedContent(
  reference: string,
  info: Omit<DocumentContent, 'body' | 'range' | 'reference'>,
  body: Readable,
  range: ByteRange | undefined,
  contentRange: string | undefined,
): DocumentContent {
  if (range === undefined) return { reference, ...info, body };
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange ?? '');
  const size = match === null ? info.size : Number(match[3]);
  if (range.start >= size) {
    discardBody(body);
    throw new DocumentStoreError(
      'range-not-satisfiable',
      `${reference}: range starts at byte ${range.start}, the document has ${size} bytes`,
    );
  }
  const served = match === null ? undefined : { start: Number(match[1]), end: Number(match[2]) };
  if (served === undefined || served.start !== range.start) {
    discardBody(body);
    throw new Error(
      `${reference}: the service answered range ${range.start}- with ${contentRange ?? 'the whole document'}`,
    );
  }
  return { reference, ...info, size, body, range: served };
}
