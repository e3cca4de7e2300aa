import { etagOf, notModified, rangeRequest } from '../../src/gateway/download-headers';

/** The HTTP rules of a document download: Range, If-Range, If-None-Match, ETag (RFC 9110). */

const SHA = 'a'.repeat(64);
const ETAG = `"${SHA}"`;

describe('rangeRequest against a 1000-byte document', () => {
  const range = (header: string | undefined, ifRange?: string) =>
    rangeRequest({ range: header, ...(ifRange !== undefined && { 'if-range': ifRange }) }, 1000, ETAG);

  test.each([
    ['bytes=0-99', { kind: 'range', start: 0, end: 99 }],
    ['bytes=10-19', { kind: 'range', start: 10, end: 19 }],
    ['bytes=990-', { kind: 'range', start: 990, end: 999 }],
    ['bytes=990-5000', { kind: 'range', start: 990, end: 999 }],
    ['bytes=-10', { kind: 'range', start: 990, end: 999 }],
    ['bytes=-5000', { kind: 'range', start: 0, end: 999 }],
    ['BYTES = 5 - 6', { kind: 'range', start: 5, end: 6 }],
    ['bytes=999-999', { kind: 'range', start: 999, end: 999 }],
  ])('%s', (header, expected) => {
    expect(range(header)).toEqual(expected);
  });

  test.each([['bytes=1000-'], ['bytes=1000-1200'], ['bytes=-0']])('%s is unsatisfiable', (header) => {
    expect(range(header)).toEqual({ kind: 'unsatisfiable' });
  });

  test.each([[undefined], [''], ['bytes=0-1,5-6'], ['items=0-5'], ['bytes=5-1'], ['bytes=-'], ['bytes=abc']])(
    '%s: the whole document (ignored, not refused)',
    (header) => {
      expect(range(header)).toEqual({ kind: 'whole' });
    },
  );

  test('If-Range: the range applies only while the ETag is the one given', () => {
    expect(range('bytes=0-9', ETAG)).toEqual({ kind: 'range', start: 0, end: 9 });
    expect(range('bytes=0-9', `"${'b'.repeat(64)}"`)).toEqual({ kind: 'whole' });
    expect(range('bytes=0-9', 'Wed, 21 Oct 2015 07:28:00 GMT')).toEqual({ kind: 'whole' });
  });

  test('an empty document satisfies no range', () => {
    expect(rangeRequest({ range: 'bytes=0-' }, 0, ETAG)).toEqual({ kind: 'unsatisfiable' });
    expect(rangeRequest({ range: 'bytes=-5' }, 0, ETAG)).toEqual({ kind: 'unsatisfiable' });
  });
});

describe('notModified', () => {
  test.each([
    [ETAG, true],
    [`W/${ETAG}`, true],
    [`"other", ${ETAG}`, true],
    ['*', true],
    ['"other"', false],
    [SHA, false],
    [undefined, false],
  ])('If-None-Match %s → %s', (header, expected) => {
    expect(notModified(header, ETAG)).toBe(expected);
  });

  test('a document without a checksum has no ETag and is never "not modified"', () => {
    expect(notModified('*', undefined)).toBe(false);
  });
});

test('etagOf quotes a SHA-256 digest (lower case) and refuses anything else', () => {
  expect(etagOf(SHA.toUpperCase())).toBe(ETAG);
  expect(etagOf(undefined)).toBeUndefined();
  expect(etagOf('not-a-digest')).toBeUndefined();
});
