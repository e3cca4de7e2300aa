import type { FastifyInstance } from 'fastify';
import type { AdvanceCall } from '../advance-endpoint';
import { registerAdvanceEndpoint } from '../advance-endpoint';
import type { EmulatorRuntime } from '../emulator-runtime';
import { ALL_API_BASE_PATHS, API_BASE_PATHS_BY_VERSION } from '../endpoints';
import { EmulatorHttpError } from '../http-error';
import { documentMetadata, type VersionRecord, type WorkItemRecord } from '../work-item-model';
import { guidParam, requireWorkItem, under } from './request-fields';
import { requireVersion } from './version-routes';

const V2 = API_BASE_PATHS_BY_VERSION['v2.0'];

export function registerDocumentRoutes(app: FastifyInstance, runtime: EmulatorRuntime): void {
  registerAdvanceEndpoint(
    app,
    runtime,
    { name: 'listDocuments', method: 'GET', paths: under(ALL_API_BASE_PATHS, '/WorkItems/:id/Documents') },
    (call) => {
      call.authorize();
      const item = requireWorkItem(runtime, guidParam(call, 'id', 'The work item id'));
      const documents = runtime.store.latestDocuments(item).map(documentMetadata);
      const body = runtime.behaviour.documentListShape === 'wrapped' ? { items: documents } : documents;
      return { status: 200, body };
    },
  );

  registerAdvanceEndpoint(
    app,
    runtime,
    {
      name: 'downloadDocument',
      method: 'GET',
      paths: under(ALL_API_BASE_PATHS, '/WorkItems/:id/Documents/:documentId/Content'),
    },
    (call) => {
      call.authorize();
      const item = requireWorkItem(runtime, guidParam(call, 'id', 'The work item id'));
      const documentId = guidParam(call, 'documentId', 'The document id');
      const document = runtime.store.findDocument(item, documentId);
      if (document === undefined) throw EmulatorHttpError.notFound(`Document ${documentId} not found`);
      call.note({ versionId: document.versionId });
      return {
        status: 200,
        body: document.content,
        contentType: document.contentType,
        headers: { 'content-disposition': `attachment; filename="${document.fileName}"` },
      };
    },
  );

  // v2.0 version-scoped paths: inferred from the documented upload path (shared/advance-api-v2.md
  // §1.6); `versionScopedDocuments: false` answers 404, as a server without them would.
  registerAdvanceEndpoint(
    app,
    runtime,
    {
      name: 'listVersionDocuments',
      method: 'GET',
      paths: under(V2, '/WorkItems/:id/Versions/:versionId/Documents'),
    },
    (call) => {
      const { version } = completedVersion(runtime, call);
      if (version === undefined) return { status: 200, body: listJson(runtime, []) };
      return { status: 200, body: listJson(runtime, version.documents.map(documentMetadata)) };
    },
  );

  registerAdvanceEndpoint(
    app,
    runtime,
    {
      name: 'downloadVersionDocument',
      method: 'GET',
      paths: under(V2, '/WorkItems/:id/Versions/:versionId/Documents/:documentId/Content'),
    },
    (call) => {
      const { version } = completedVersion(runtime, call);
      const documentId = guidParam(call, 'documentId', 'The document id');
      const document = version?.documents.find((candidate) => candidate.id === documentId);
      if (document === undefined) throw EmulatorHttpError.notFound(`Document ${documentId} not found`);
      return {
        status: 200,
        body: document.content,
        contentType: document.contentType,
        headers: { 'content-disposition': `attachment; filename="${document.fileName}"` },
      };
    },
  );
}

function listJson(runtime: EmulatorRuntime, documents: unknown[]): unknown {
  return runtime.behaviour.documentListShape === 'wrapped' ? { items: documents } : documents;
}

/**
 * The named version once it is Completed. Before that: 409 (`documentsBeforeCompleted:
 * "conflict"`), or no version, which lists as empty (`"empty"`).
 */
function completedVersion(
  runtime: EmulatorRuntime,
  call: AdvanceCall,
): { item: WorkItemRecord; version?: VersionRecord } {
  if (!runtime.behaviour.versionScopedDocuments) {
    throw EmulatorHttpError.notFound(`No route for ${call.request.method} ${call.request.url}`);
  }
  call.authorize();
  const id = guidParam(call, 'id', 'The work item id');
  const versionId = guidParam(call, 'versionId', 'The version id');
  const item = requireWorkItem(runtime, id);
  const version = requireVersion(item.versions, id, versionId);
  if (version.status === 'Completed') return { item, version };
  if (runtime.behaviour.documentsBeforeCompleted === 'empty') return { item };
  throw new EmulatorHttpError(
    409,
    `Version ${versionId} is ${version.status}: its documents are listed once it is Completed`,
  );
}
