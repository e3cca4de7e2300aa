/**
 * The HTTP rules of a document download (RFC 9110): which byte range a `Range` header asks for,
 * whether `If-Range` lets it apply, and whether `If-None-Match` makes the answer a 304. Pure
 * functions of the headers and the document's size and ETag, so they are tested on their own.
 */

/** What a request's `Range` header (with `If-Range`) asks for, given the document's size. */
export type RangeRequest =
  /** The whole document: no Range, one this server ignores (several ranges, another unit), or If-Range failed. */
  | { kind: 'whole' }
  /** Inclusive offsets within the document. */
  | { kind: 'range'; start: number; end: number }
  /** A range that starts beyond the end (or an empty suffix): 416. */
  | { kind: 'unsatisfiable' };

/**
 * Resolves `Range: bytes=a-b`, `bytes=a-` and `bytes=-n` against `size`. Several ranges and
 * malformed headers are ignored (the whole document is sent, as RFC 9110 allows), never refused:
 * a client that asks oddly still gets its bytes.
 */
export function rangeRequest(
  headers: { range?: string; 'if-range'?: string },
  size: number,
  etag: string | undefined,
): RangeRequest {
  const header = headers.range?.trim();
  if (header === undefined || header === '') return { kind: 'whole' };
  // If-Range with an ETag other than ours (or a date: we give no Last-Modified): send it all.
  const ifRange = headers['if-range']?.trim();
  if (ifRange !== undefined && ifRange !== '' && (etag === undefined || ifRange !== etag)) {
    return { kind: 'whole' };
  }
  const match = /^bytes\s*=\s*(\d*)\s*-\s*(\d*)$/i.exec(header);
  if (match === null) return { kind: 'whole' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    // A suffix: the last n bytes (all of them when n exceeds the size).
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Infinity : Number(last);
  if (!Number.isSafeInteger(start) || end < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', start, end: Math.min(end, size - 1) };
}

/**
 * True when `If-None-Match` names `etag` (weak comparison, as RFC 9110 prescribes for it) or is
 * `*`: the client's copy is current and the answer is 304.
 */
export function notModified(ifNoneMatch: string | undefined, etag: string | undefined): boolean {
  if (ifNoneMatch === undefined || etag === undefined) return false;
  const wanted = ifNoneMatch.trim();
  if (wanted === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return wanted.split(',').some((tag) => opaque(tag) === opaque(etag));
}

/** A strong ETag from a SHA-256 hex digest: the digest, quoted. */
export function etagOf(sha256: string | undefined): string | undefined {
  return sha256 === undefined || !/^[0-9a-f]{64}$/i.test(sha256) ? undefined : `"${sha256.toLowerCase()}"`;
}
