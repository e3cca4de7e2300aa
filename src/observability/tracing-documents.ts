import type { Attributes } from '@opentelemetry/api';
import type { Readable } from 'node:stream';
import type { ByteRange, DocumentKey, DocumentStore, PutOptions } from '../documents/document-store';
import { endingSpan, projectTracer } from './tracing';
import { activityAttributes } from './tracing-activity';

/**
 * A document store whose writes and reads are spans (`document-store put`, `get`, `head`,
 * `presign`): the store's description and the size, never a file name or the bytes.
 */
export function tracedDocumentStore(store: DocumentStore): DocumentStore {
  const storeName = store.describe();
  const traced = <T>(
    operation: string,
    attributes: Attributes,
    run: () => Promise<T>,
    size?: (result: T) => number,
  ) =>
    projectTracer().startActiveSpan(
      `document-store ${operation}`,
      { attributes: { 'hotdocs.document_store': storeName, ...activityAttributes(), ...attributes } },
      (span) =>
        endingSpan(span, async () => {
          const result = await run();
          if (size !== undefined) span.setAttribute('hotdocs.document.size', size(result));
          return result;
        }),
    );
  return {
    put: (key: DocumentKey, body: Readable, options: PutOptions) =>
      traced(
        'put',
        { 'hotdocs.document.content_type': options.contentType },
        () => store.put(key, body, options),
        (r) => r.size,
      ),
    get: (reference: string, range?: ByteRange) =>
      traced(
        'get',
        { 'hotdocs.document.ranged': range !== undefined },
        () => store.get(reference, range),
        (r) => r.size,
      ),
    head: (reference: string) =>
      traced(
        'head',
        {},
        () => store.head(reference),
        (r) => r.size,
      ),
    ...(store.presign !== undefined && {
      presign: (reference: string, ttlSeconds: number, fileName?: string) =>
        traced('presign', {}, () => store.presign!(reference, ttlSeconds, fileName)),
    }),
    check: () => store.check(),
    describe: () => store.describe(),
    close: () => store.close(),
  };
}
