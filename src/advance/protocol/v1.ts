import { describe, type FailureContext } from '../classify';
import { AdvanceUnsupportedError } from '../errors';
import { apiPath } from '../urls';
import { WORK_ITEM_REQUESTS, type AdvanceProtocol } from './protocol';

/**
 * REST API v1.1 (shared/advance-api.md): save and complete act on the *active* session
 * (`Versions/Active/...`) and name no version, no status can be read, and CompleteSession answers
 * `200` once the documents are assembled.
 */
export const protocolV1: AdvanceProtocol = {
  apiVersion: 'v1.1',
  fixed: {
    completeNamesVersion: false,
    versionStatus: false,
    callbacks: false,
    completeWithoutAssembly: true,
    finishesInterview: false,
    answerSets: false,
  },
  offersCreateAndAssemble: false,
  offersVersionScopedDocuments: false,

  ...WORK_ITEM_REQUESTS,
  saveSession: (_context, { workItemId }) => ({
    method: 'PUT',
    path: apiPath('WorkItems', workItemId, 'Versions', 'Active', 'SaveSession'),
    body: {},
  }),
  completeSession: (_context, { workItemId }, completion) => ({
    method: 'PUT',
    path: apiPath('WorkItems', workItemId, 'Versions', 'Active', 'CompleteSession'),
    body: { runAssembly: completion.runAssembly ?? true },
  }),
  // CompleteSession's 200 is documented to mean "done, with its documents".
  readCompletion: () => ({ status: 'Completed' }),
  readVersionStatus: (context) => unsupported(context, 'version status call'),
  listVersions: (context) => unsupported(context, 'version list with a status filter'),
  createAndAssemble: (context) => unsupported(context, 'CreateAndAssemble call'),
  listDocuments: (workItemId) => ({ method: 'GET', path: apiPath('WorkItems', workItemId, 'Documents') }),
  downloadDocument: (workItemId, documentId) => ({
    method: 'GET',
    path: apiPath('WorkItems', workItemId, 'Documents', documentId, 'Content'),
  }),
  readAnswerSet: (context) => unsupported(context, 'answer set call'),
  replaceAnswerSet: (context) => unsupported(context, 'answer set call'),
};

function unsupported(context: FailureContext, what: string): never {
  throw new AdvanceUnsupportedError(
    `${describe(context)}: HotDocs Advance API v1.1 has no ${what}; it needs apiVersion v2.0`,
    context,
  );
}
