import { describe, type FailureContext } from '../classify';
import { AdvanceValidationError } from '../errors';
import { apiPath } from '../urls';
import { readCompletionAnswer } from '../version-status';
import { WORK_ITEM_REQUESTS, type AdvanceCallback, type AdvanceProtocol } from './protocol';

/**
 * REST API v2.0 (shared/advance-api-v2.md): Complete and SaveAndClose name the version, a
 * version's status can be read and listed by status, Complete takes a callback, and
 * CreateAndAssemble creates and completes a version in one call. What the pages cut off (bodies,
 * codes, shapes) is read tolerantly; see docs/advance-v2.md for every assumption.
 */
export const protocolV2: AdvanceProtocol = {
  apiVersion: 'v2.0',
  fixed: {
    completeNamesVersion: true,
    versionStatus: true,
    callbacks: true,
    completeWithoutAssembly: false,
    finishesInterview: true,
    answerSets: true,
  },
  offersCreateAndAssemble: true,
  offersVersionScopedDocuments: true,

  ...WORK_ITEM_REQUESTS,
  saveSession: (context, ids, callback) => ({
    method: 'PUT',
    path: apiPath('WorkItems', ids.workItemId, 'Versions', namedVersion(context, ids), 'SaveAndClose'),
    body: callbackFields(callback),
  }),
  completeSession: (context, ids, completion) => {
    if (completion.runAssembly === false) {
      throw new AdvanceValidationError(
        `${describe(context)}: runAssembly false is not offered by HotDocs Advance API v2.0 (its Complete ` +
          'lists no runAssembly and assembles the documents); complete with assembly, or use apiVersion v1.1',
        context,
      );
    }
    return {
      method: 'PUT',
      path: apiPath('WorkItems', ids.workItemId, 'Versions', namedVersion(context, ids), 'Complete'),
      body: callbackFields(completion.callback),
    };
  },
  readCompletion: readCompletionAnswer,
  readVersionStatus: (_context, workItemId, versionId) => ({
    method: 'GET',
    path: apiPath('WorkItems', workItemId, 'Versions', versionId, 'Status'),
  }),
  listVersions: (_context, workItemId, status) => ({
    method: 'GET',
    path:
      apiPath('WorkItems', workItemId, 'Versions') +
      (status === undefined ? '' : `?filter=${encodeURIComponent(status)}`),
  }),
  createAndAssemble: (_context, { workItemId, versionId }, { answerXml, callback }) => ({
    method: 'PUT',
    path: apiPath('WorkItems', workItemId, 'Versions', versionId, 'CreateAndAssemble'),
    body: { ...(answerXml !== undefined && { answerXml }), ...callbackFields(callback) },
  }),
  listDocuments: (workItemId, versionId) => ({
    method: 'GET',
    path:
      versionId === undefined
        ? apiPath('WorkItems', workItemId, 'Documents')
        : apiPath('WorkItems', workItemId, 'Versions', versionId, 'Documents'),
  }),
  downloadDocument: (workItemId, documentId, versionId) => ({
    method: 'GET',
    path:
      versionId === undefined
        ? apiPath('WorkItems', workItemId, 'Documents', documentId, 'Content')
        : apiPath('WorkItems', workItemId, 'Versions', versionId, 'Documents', documentId, 'Content'),
  }),
  readAnswerSet: (_context, workItemId) => ({
    method: 'GET',
    path: apiPath('WorkItems', workItemId, 'AnswerSet', 'Content'),
  }),
  // The body's format is not documented: the XML as a JSON string, as an ASP.NET string body binds
  // (docs/advance-v2.md, assumptions).
  replaceAnswerSet: (_context, workItemId, answerXml) => ({
    method: 'PUT',
    path: apiPath('WorkItems', workItemId, 'AnswerSet', 'Content'),
    body: answerXml,
  }),
};

function namedVersion(context: FailureContext, ids: { versionId?: string }): string {
  if (ids.versionId !== undefined) return ids.versionId;
  throw new AdvanceValidationError(
    `${describe(context)}: versionId is required on HotDocs Advance API v2.0 (the call names its version)`,
    context,
  );
}

function callbackFields(callback: AdvanceCallback | undefined): Record<string, string> {
  if (callback === undefined) return {};
  return {
    callbackUrl: callback.url,
    ...(callback.secret !== undefined && { callbackSecret: callback.secret }),
  };
}
