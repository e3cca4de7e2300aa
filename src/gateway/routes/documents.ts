import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { attachmentDisposition, storeOfReference } from '../../documents/document-layout';
import { DocumentStoreError, type ByteRange, type DocumentStore } from '../../documents/document-store';
import { protectWithApiKeys } from '../auth';
import type { GatewayContext } from '../context';
import { etagOf, notModified, rangeRequest } from '../download-headers';
import { GatewayError } from '../errors';
import {
  completedSessions,
  findStoredDocument,
  storedDocuments,
  type StoredLifecycleDocument,
} from '../lifecycle-documents';
import {
  assemblyParamsSchema,
  documentDownloadResponses,
  documentListSchema,
  documentParamsSchema,
  documentQuerySchema,
  errorResponses,
} from '../schemas';
import { lifecycleId, SECURITY } from './route-common';

/** Documents hold personal data: no shared cache keeps them, and a client revalidates by ETag. */
const CACHE_CONTROL = 'private, no-cache';

/**
 * The documents of a lifecycle: the list (from its result, or its status while it runs), and each document's bytes, streamed
 * from the store the workers write to, or a redirect to a signed URL of that store. Callers see
 * gateway links, never the store's references.
 */
export const documentRoutes: FastifyPluginAsyncZod<{ context: GatewayContext }> = async (
  app,
  { context },
) => {
  const { lifecycles, links, config, documents } = context;
  protectWithApiKeys(app, context);

  app.get(
    '/v1/assemblies/:id/documents',
    {
      config: { permission: 'documents' },
      schema: {
        operationId: 'listDocuments',
        summary: 'Every stored document of every completed session, with its download link',
        tags: ['documents'],
        security: SECURITY,
        params: assemblyParamsSchema,
        response: { 200: documentListSchema, ...errorResponses },
      },
    },
    async (request) => {
      const id = lifecycleId(request.params.id);
      return {
        id,
        documents: storedDocuments(await completedSessions(lifecycles, id)).map(
          ({ versionId, document }) => ({
            documentId: document.documentId,
            versionId,
            fileName: document.fileName ?? document.name,
            contentType: document.contentType ?? 'application/octet-stream',
            ...(document.size !== undefined && { size: document.size }),
            ...(document.sha256 !== undefined && { sha256: document.sha256 }),
            ...(document.kind !== undefined && { kind: document.kind }),
            href: links.document(id, document.documentId, versionId),
          }),
        ),
      };
    },
  );

  app.get(
    '/v1/assemblies/:id/documents/:documentId',
    {
      config: { permission: 'documents' },
      schema: {
        operationId: 'downloadDocument',
        summary: "A document's bytes",
        description:
          'Streams the document with Content-Type, Content-Disposition, Content-Length and ETag (its ' +
          'sha256, quoted). Range: bytes=… answers 206 (one range; 416 when it starts past the end); ' +
          'If-None-Match with the ETag answers 304. With GATEWAY_DOCUMENT_REDIRECT=true and a store that ' +
          'signs URLs, 302 to a short-lived signed URL instead. 404 document-not-found when the ' +
          'lifecycle has no such stored document, or the store no longer has it.',
        tags: ['documents'],
        security: SECURITY,
        params: documentParamsSchema,
        querystring: documentQuerySchema,
        response: documentDownloadResponses,
      },
    },
    async (request, reply) => {
      const id = lifecycleId(request.params.id);
      const found = findStoredDocument(
        id,
        await completedSessions(lifecycles, id),
        request.params.documentId,
        request.query.versionId,
      );
      const etag = etagOf(found.document.sha256);
      if (etag !== undefined) void reply.header('etag', etag);
      void reply.header('cache-control', CACHE_CONTROL);
      if (notModified(request.headers['if-none-match'], etag)) return reply.code(304).send();
      const signed = config.documentRedirect ? await signedUrl(documents, found, request, config) : undefined;
      if (signed !== undefined) {
        // The signed URL is itself the credential: no cache may keep this answer.
        void reply.header('cache-control', 'no-store').header('location', signed);
        return reply.code(302).send();
      }
      return streamDocument(documents, found, request, reply, etag);
    },
  );
};

type DownloadRequest = FastifyRequest<{ Headers: { range?: string; 'if-range'?: string } }>;

/** Streams the document (or the range asked for) from the store: never the whole of it in memory. */
async function streamDocument(
  store: DocumentStore,
  found: StoredLifecycleDocument,
  request: FastifyRequest,
  reply: FastifyReply,
  etag: string | undefined,
): Promise<FastifyReply> {
  const { document } = found;
  const size =
    document.size ?? (await fromStore(store, found, request, () => store.head(document.reference))).size;
  const wanted = rangeRequest((request as DownloadRequest).headers, size, etag);
  if (wanted.kind === 'unsatisfiable') return unsatisfiable(reply, found, size);
  const range: ByteRange | undefined =
    wanted.kind === 'range' ? { start: wanted.start, end: wanted.end } : undefined;
  let content;
  try {
    content = await fromStore(store, found, request, () => store.get(document.reference, range));
  } catch (error) {
    // The store's size differs from the status's (a document replaced by hand): its answer counts.
    if (error instanceof StoreRangeError) return unsatisfiable(reply, found, error.size ?? size);
    throw error;
  }
  void reply
    .header('content-type', content.contentType)
    .header('content-disposition', attachmentDisposition(document.fileName ?? content.fileName))
    .header('accept-ranges', 'bytes')
    .header('x-content-type-options', 'nosniff');
  if (content.range === undefined) {
    return reply.code(200).header('content-length', content.size).send(content.body);
  }
  const { start, end } = content.range;
  return reply
    .code(206)
    .header('content-range', `bytes ${start}-${end}/${content.size}`)
    .header('content-length', end - start + 1)
    .send(content.body);
}

function unsatisfiable(reply: FastifyReply, found: StoredLifecycleDocument, size: number): FastifyReply {
  return reply
    .code(416)
    .header('content-range', `bytes */${size}`)
    .header('accept-ranges', 'bytes')
    .send(
      new GatewayError(
        'range-not-satisfiable',
        `Document "${found.document.documentId}" has ${size} bytes: the range asked for starts beyond its end`,
      ).toBody(),
    );
}

/** A signed URL of the store, or undefined when this store cannot sign (then the gateway streams). */
async function signedUrl(
  store: DocumentStore,
  found: StoredLifecycleDocument,
  request: FastifyRequest,
  config: GatewayContext['config'],
): Promise<string | undefined> {
  if (store.presign === undefined) return undefined;
  const { reference, fileName, name } = found.document;
  // A clear 404 for a document the store has lost, instead of a signed link that answers 404.
  await fromStore(store, found, request, () => store.head(reference));
  try {
    return await store.presign(reference, Math.ceil(config.documentLinkTtlMs / 1000), fileName ?? name);
  } catch (error) {
    if (error instanceof DocumentStoreError && error.code === 'presign-unavailable') {
      request.log.warn({ err: error }, 'document store cannot sign URLs; streaming instead');
      return undefined;
    }
    throw storeFailure(store, found, request, error);
  }
}

/** The store said the range starts beyond the end; `size` is the document's size when it told. */
class StoreRangeError extends Error {
  constructor(readonly size: number | undefined) {
    super('range not satisfiable');
  }
}

/**
 * A store call, its failures translated: a document the store does not have is a 404; anything
 * else is the store's problem (logged with its cause, which names the store but never a secret),
 * answered without the store's internals.
 */
async function fromStore<T>(
  store: DocumentStore,
  found: StoredLifecycleDocument,
  request: FastifyRequest,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof DocumentStoreError && error.code === 'not-found') {
      throw new GatewayError(
        'document-not-found',
        `The document store has no document "${found.document.documentId}" (session ${found.versionId}) any more`,
      );
    }
    if (error instanceof DocumentStoreError && error.code === 'range-not-satisfiable') {
      const told = / has (\d+) bytes/.exec(error.message)?.[1];
      throw new StoreRangeError(told === undefined ? undefined : Number(told));
    }
    throw storeFailure(store, found, request, error);
  }
}

function storeFailure(
  store: DocumentStore,
  found: StoredLifecycleDocument,
  request: FastifyRequest,
  error: unknown,
): GatewayError {
  if (error instanceof DocumentStoreError && error.code === 'foreign-reference') {
    // The workers wrote it to another store than this gateway reads: a configuration to fix, and
    // only the two stores' names say which.
    const written = storeOfReference(found.document.reference) ?? 'a store this gateway does not know';
    const message =
      `Document "${found.document.documentId}" (session ${found.versionId}) is in ${written}, but this ` +
      `gateway reads ${store.describe()}: give the gateway the workers' DOCUMENT_STORE settings`;
    request.log.error({ documentId: found.document.documentId }, message);
    return new GatewayError('document-store-mismatch', message);
  }
  request.log.error({ err: error, documentId: found.document.documentId }, 'document store failed');
  return new GatewayError(
    'document-store-failed',
    `The document store could not serve document "${found.document.documentId}"; the gateway's log has the cause`,
  );
}
