import type { FastifyInstance } from 'fastify';
import { registerAdvanceEndpoint } from '../advance-endpoint';
import type { EmulatorRuntime } from '../emulator-runtime';
import { API_BASE_PATHS } from '../endpoints';
import { EmulatorHttpError } from '../http-error';
import { documentMetadata } from '../work-item-model';
import { guidParam, requireWorkItem, under } from './request-fields';

export function registerDocumentRoutes(app: FastifyInstance, runtime: EmulatorRuntime): void {
  registerAdvanceEndpoint(
    app,
    runtime,
    { name: 'listDocuments', method: 'GET', paths: under(API_BASE_PATHS, '/WorkItems/:id/Documents') },
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
      paths: under(API_BASE_PATHS, '/WorkItems/:id/Documents/:documentId/Content'),
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
}
