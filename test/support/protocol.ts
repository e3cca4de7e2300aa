import type { EndpointName } from '../../tools/emulator';
import type { EmulatorApiVersion } from '../../tools/dev/emulator-env';

/**
 * The HotDocs Advance protocol a test run speaks: the lifecycle suites run once per protocol (jest
 * projects `integration` and `integration-v2`, the latter setting the global `ADVANCE_PROTOCOL`).
 */
export const PROTOCOL: EmulatorApiVersion =
  (globalThis as { ADVANCE_PROTOCOL?: EmulatorApiVersion }).ADVANCE_PROTOCOL ?? 'v1.1';

/** The emulator's endpoint name of each lifecycle call under the run's protocol. */
export const ENDPOINTS: Readonly<{
  begin: EndpointName;
  complete: EndpointName;
  save: EndpointName;
  listDocuments: EndpointName;
  downloadDocument: EndpointName;
  /** A batch session's assembly: begin + complete on v1.1, one CreateAndAssemble on v2.0. */
  batchAssembly: readonly EndpointName[];
}> =
  PROTOCOL === 'v2.0'
    ? {
        begin: 'beginSession',
        complete: 'completeVersion',
        save: 'saveAndCloseVersion',
        listDocuments: 'listVersionDocuments',
        downloadDocument: 'downloadVersionDocument',
        batchAssembly: ['createAndAssemble'],
      }
    : {
        begin: 'beginSession',
        complete: 'completeSession',
        save: 'saveSession',
        listDocuments: 'listDocuments',
        downloadDocument: 'downloadDocument',
        batchAssembly: ['beginSession', 'completeSession'],
      };

/**
 * The emulator's request log entries (`endpoint:versionId`) of one session's assembly: begin, the
 * Core interview's finish on v2.0, and complete — or, for a batch session not asked for by the update, one CreateAndAssemble on v2.0.
 */
export function assemblyCalls(versionId: string, kind: 'interview' | 'batch' | 'batch-by-update'): string[] {
  if (kind === 'batch' && PROTOCOL === 'v2.0') return [`createAndAssemble:${versionId}`];
  // v2.0 finishes the Core interview of a created version before its Complete.
  const finish = PROTOCOL === 'v2.0' ? [`finishInterview:${versionId}`] : [];
  return [`${ENDPOINTS.begin}:${versionId}`, ...finish, `${ENDPOINTS.complete}:${versionId}`];
}

/** The request log entries of collecting a session's documents: the list, then each download. */
export function documentCalls(versionId: string, downloads: number): string[] {
  const list = PROTOCOL === 'v2.0' ? `${ENDPOINTS.listDocuments}:${versionId}` : ENDPOINTS.listDocuments;
  return [list, ...Array.from({ length: downloads }, () => `${ENDPOINTS.downloadDocument}:${versionId}`)];
}
