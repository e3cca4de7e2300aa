import type { FailureContext } from '../classify';
import type { CreateAndAssembleMode } from '../options';
import { apiPath, type AdvanceApiVersion } from '../urls';
import type { CompletionAnswer } from '../version-status';

/** One API request as a protocol spells it: a path relative to the REST base, and a JSON body. */
export interface ApiRequest {
  method: 'GET' | 'PUT';
  path: string;
  body?: unknown;
}

/**
 * Where Advance posts when a v2.0 Complete, CreateAndAssemble or SaveAndClose is done. Callbacks
 * are hints: the status read stays the truth. v1.1 has none and leaves them out.
 */
export interface AdvanceCallback {
  /** An absolute http(s) URL. */
  url: string;
  /** Lets the receiver authenticate the callback; how Advance uses it is not documented. */
  secret?: string;
}

export interface CompletionRequest {
  /**
   * v1.1: `false` completes without assembling. v2.0's Complete lists no such field and assembles,
   * so `false` is refused there before anything is sent (see docs/advance-v2.md).
   * @default true
   */
  runAssembly?: boolean;
  callback?: AdvanceCallback;
}

/** What a lifecycle must know about the protocol its tenancy speaks, instead of its version string. */
export interface ProtocolCapabilities {
  apiVersion: AdvanceApiVersion;
  /**
   * Complete and save name the version they act on, so a late request of a dead attempt cannot
   * touch the next session: no quarantine is needed after a retried completion.
   */
  completeNamesVersion: boolean;
  /** A version's status can be read (`readVersionStatus`, `listVersions`). */
  versionStatus: boolean;
  /** Whether a new version is assembled with CreateAndAssemble; `auto` until the server has answered. */
  createAndAssemble: CreateAndAssembleMode;
  /** Complete, CreateAndAssemble and SaveAndClose carry a callback. */
  callbacks: boolean;
  /** Complete accepts `runAssembly: false`. */
  completeWithoutAssembly: boolean;
  /**
   * Before Complete, an interview's Core session is finished (`finishcurrentinterview`), as
   * HotDocs' v2.0 interview use case requires.
   */
  finishesInterview: boolean;
  /** A work item's answer set can be read and replaced (`AnswerSet/Content`). */
  answerSets: boolean;
}

/** The parts of the capabilities fixed by the protocol (the rest is learnt at run time). */
export type FixedCapabilities = Omit<ProtocolCapabilities, 'apiVersion' | 'createAndAssemble'>;

export interface WorkItemIds {
  workItemId: string;
  /** The version acted on; required by v2.0 for save and complete, ignored by v1.1. */
  versionId?: string;
}

/**
 * Paths, bodies and response readers of one REST API version, behind the client's operations.
 * Builders throw `AdvanceValidationError` (or `AdvanceUnsupportedError`) naming the call when the
 * request cannot be expressed in this version.
 */
export interface AdvanceProtocol {
  readonly apiVersion: AdvanceApiVersion;
  readonly fixed: FixedCapabilities;
  /** The version has a CreateAndAssemble call (it may still be missing on a given server). */
  readonly offersCreateAndAssemble: boolean;
  /** Version-scoped document paths are worth trying first (a server may still lack them). */
  readonly offersVersionScopedDocuments: boolean;

  createWorkItem(workItemId: string, body: Record<string, unknown>): ApiRequest;
  getWorkItem(workItemId: string): ApiRequest;
  /** v1.1 "begin an assembly session"; v2.0 "create a new work item version". */
  beginSession(workItemId: string, versionId: string, body: Record<string, unknown>): ApiRequest;
  saveSession(context: FailureContext, ids: WorkItemIds, callback?: AdvanceCallback): ApiRequest;
  completeSession(context: FailureContext, ids: WorkItemIds, completion: CompletionRequest): ApiRequest;
  readCompletion(body: unknown, httpStatus: number, location: string | undefined): CompletionAnswer;
  readVersionStatus(context: FailureContext, workItemId: string, versionId: string): ApiRequest;
  listVersions(context: FailureContext, workItemId: string, status?: string): ApiRequest;
  createAndAssemble(
    context: FailureContext,
    ids: { workItemId: string; versionId: string },
    body: { answerXml?: string; callback?: AdvanceCallback },
  ): ApiRequest;
  /** With a versionId: the version-scoped list; without: the work item's latest documents. */
  listDocuments(workItemId: string, versionId?: string): ApiRequest;
  downloadDocument(workItemId: string, documentId: string, versionId?: string): ApiRequest;
  /** The answer set of the work item's latest version. */
  readAnswerSet(context: FailureContext, workItemId: string): ApiRequest;
  /** Replaces that answer set (`body`: the answer XML, sent as a JSON string). */
  replaceAnswerSet(context: FailureContext, workItemId: string, answerXml: string): ApiRequest;
}

/** The work item calls, shaped alike in v1.1 and v2.0. */
export const WORK_ITEM_REQUESTS: Pick<AdvanceProtocol, 'createWorkItem' | 'getWorkItem' | 'beginSession'> = {
  createWorkItem: (workItemId, body) => ({ method: 'PUT', path: apiPath('WorkItems', workItemId), body }),
  getWorkItem: (workItemId) => ({ method: 'GET', path: apiPath('WorkItems', workItemId) }),
  beginSession: (workItemId, versionId, body) => ({
    method: 'PUT',
    path: apiPath('WorkItems', workItemId, 'Versions', versionId),
    body,
  }),
};
