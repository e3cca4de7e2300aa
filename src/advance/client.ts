import type { Readable } from 'node:stream';
import { checkAnswerXml } from './answer-xml';
import { describe, type FailureContext } from './classify';
import { AdvanceError, AdvanceNotFoundError, AdvanceTransientError, AdvanceValidationError } from './errors';
// The one GUID rule of the project's messages; dependency-free like this folder.
import { checkGuids } from './guid-checks';
import {
  readDocuments,
  readSession,
  readVersionList,
  readWorkItem,
  type AdvanceDocument,
  type AssemblySession,
  type BeginSessionRequest,
  type WorkItem,
  type WorkItemRequest,
  type WorkItemVersion,
} from './model';
import {
  resolveAdvanceClientOptions,
  type AdvanceClientOptions,
  type ResolvedAdvanceClientOptions,
} from './options';
import {
  protocolFor,
  type AdvanceCallback,
  type AdvanceProtocol,
  type ApiRequest,
  type CompletionRequest,
  type ProtocolCapabilities,
} from './protocol';
import type { TokenMetadata } from './token-cache';
import { fileNameFrom, header, readBodyValue, readJson } from './response-body';
import { AnswerSets } from './answer-sets';
import { CoreInterview, type FinishInterviewOptions, type InterviewSessionRef } from './core-interview';
import { AdvanceTransport, type AdvanceClientDependencies, type RawResponse } from './transport';
import type { AdvanceApiVersion } from './urls';
import {
  readVersionState,
  type CompletionAnswer,
  type VersionState,
  type VersionStatus,
} from './version-status';

export interface CallOptions {
  /** Aborts the call (and the wait for a token) — pass the activity's cancellation signal. */
  signal?: AbortSignal;
}

/** Options of the calls that can act on one version's documents. */
export interface DocumentCallOptions extends CallOptions {
  /**
   * The version whose documents are meant. On v2.0 the version-scoped paths are tried first
   * (`Versions/{versionId}/Documents`); a `404` there makes this client use the work item's paths
   * from then on. v1.1 always lists the work item's latest completed documents.
   */
  versionId?: string;
}

export interface SaveSessionOptions extends CallOptions {
  /** The version to save: required on v2.0 (SaveAndClose names it), ignored by v1.1. */
  versionId?: string;
  /** v2.0: where Advance posts once saved; left out on v1.1. */
  callback?: AdvanceCallback;
}

export interface CompleteSessionRequest extends CompletionRequest {
  /** The version to complete: required on v2.0 (Complete names it), ignored by v1.1. */
  versionId?: string;
}

export interface CreateAndAssembleRequest {
  answerXml?: string;
  /** v2.0: where Advance posts once the version is Completed; left out on v1.1. */
  callback?: AdvanceCallback;
}

/** What `createAndAssemble` did and what Advance answered. */
export interface AssemblyAnswer extends CompletionAnswer {
  /** One CreateAndAssemble call, or create-version then Complete (v1.1, `off`, or the fallback). */
  via: 'create-and-assemble' | 'create-then-complete';
  /** The session the fallback began (it is completed already); absent after CreateAndAssemble. */
  session?: AssemblySession;
}

export interface DocumentDownload {
  /** The document's bytes. Consume or destroy it: it holds a pooled connection until then. */
  body: Readable;
  contentType: string;
  fileName?: string;
  contentLength?: number;
}

/**
 * The HotDocs Advance REST API (v1.1 or v2.0, per tenancy), on undici with one keep-alive pool per
 * origin. The same operations serve both versions; a protocol adapter spells each call, and
 * `capabilities` tells callers what differs. It does not retry: Temporal's retry policies do that
 * from each error's `retryable`. The exceptions are negotiations it remembers: a `401` renews the
 * token and repeats once; on v2.0 a missing CreateAndAssemble or version-scoped document path
 * (`404`) falls back to the older calls.
 */
export class AdvanceClient {
  readonly tenancy: string;
  readonly options: ResolvedAdvanceClientOptions;
  private readonly protocol: AdvanceProtocol;
  /** `auto` mode: whether this server has CreateAndAssemble, once it has answered. */
  private createAndAssembleSupported?: boolean;
  /** v2.0: whether version-scoped document paths exist, once a server has answered. */
  private documentScope: 'unknown' | 'version' | 'work-item' = 'unknown';
  private readonly coreInterview: CoreInterview;
  /** v2.0: the work item's answer set, read and replaced (answer-sets.ts). */
  readonly answerSets: AnswerSets;
  private readonly transport: AdvanceTransport;

  constructor(
    options: AdvanceClientOptions | ResolvedAdvanceClientOptions,
    deps: AdvanceClientDependencies = {},
  ) {
    this.options = 'urls' in options ? options : resolveAdvanceClientOptions(options);
    this.tenancy = this.options.tenancy;
    this.protocol = protocolFor(this.options.apiVersion);
    this.transport = new AdvanceTransport(this.options, deps);
    this.coreInterview = new CoreInterview(
      this.transport,
      this.options,
      this.protocol.fixed.finishesInterview,
    );
    this.answerSets = new AnswerSets(this.transport, this.protocol, this.options);
  }

  get apiVersion(): AdvanceApiVersion {
    return this.options.apiVersion;
  }

  /** What differs between the protocols, for callers that must not branch on the version string. */
  get capabilities(): ProtocolCapabilities {
    return {
      apiVersion: this.protocol.apiVersion,
      ...this.protocol.fixed,
      createAndAssemble: this.createAndAssembleMode(),
    };
  }

  /** Logins this client's token cache has performed. */
  get loginCount(): number {
    return this.transport.tokens.loginCount;
  }

  /**
   * Makes sure a valid token is cached (logging in if needed); returns metadata, never the token.
   * `pastLoginBreaker`: a login goes to Advance even right after a refused one (an operator's
   * retry); without it, a refusal is repeated without a request for `loginBreakerSeconds`.
   */
  async acquireToken(options: CallOptions & { pastLoginBreaker?: boolean } = {}): Promise<TokenMetadata> {
    const { token, loggedIn } = await this.transport.tokens.get(options.signal, {
      pastBreaker: options.pastLoginBreaker === true,
    });
    return {
      tenancy: this.tenancy,
      obtainedAt: new Date(token.obtainedAt).toISOString(),
      expiresAt: new Date(token.expiresAt).toISOString(),
      expirySource: token.expirySource,
      loggedIn,
    };
  }

  /** `PUT WorkItems/{id}`. Returns the work item when the server sends it back. */
  async createWorkItem(item: WorkItemRequest, options: CallOptions = {}): Promise<WorkItem | undefined> {
    const context = { operation: 'createWorkItem' as const, workItemId: item.id };
    checkGuids(context, {
      id: item.id,
      workGroupId: item.workGroupId,
      templatePackageId: item.templatePackageId,
    });
    const problems = [];
    if (typeof item.name !== 'string' || item.name.trim() === '') problems.push('name is required');
    else if (item.name.length > 255) problems.push('name is longer than 255 characters');
    if (item.description !== undefined && typeof item.description !== 'string') {
      problems.push('description must be a string');
    }
    if (problems.length > 0)
      throw new AdvanceValidationError(`${describe(context)}: ${problems.join('; ')}`, context);
    if (item.answerXml !== undefined) this.checkAnswers(item.answerXml, context);

    const body: Record<string, unknown> = {
      workGroupId: item.workGroupId,
      templatePackageId: item.templatePackageId,
      name: item.name,
    };
    if (item.description !== undefined) body['description'] = item.description;
    if (item.answerXml !== undefined) body['answerXml'] = item.answerXml;
    const response = await this.transport.exchange({
      ...context,
      ...options,
      ...this.protocol.createWorkItem(item.id, body),
    });
    const json = await readJson(response, context, { optional: true });
    return json === undefined ? undefined : readWorkItem(json, item.id);
  }

  /** `GET WorkItems/{id}`. */
  async getWorkItem(workItemId: string, options: CallOptions = {}): Promise<WorkItem> {
    const context = { operation: 'getWorkItem' as const, workItemId };
    checkGuids(context, { workItemId });
    const response = await this.transport.exchange({
      ...context,
      ...options,
      ...this.protocol.getWorkItem(workItemId),
    });
    return readWorkItem(await readJson(response, context), workItemId);
  }

  /**
   * `PUT WorkItems/{id}/Versions/{versionId}`: begins an assembly session (v1.1), creates a new
   * work item version (v2.0); either way the answer carries the interview data.
   */
  async beginSession(
    workItemId: string,
    versionId: string,
    session: BeginSessionRequest = {},
    options: CallOptions = {},
  ): Promise<AssemblySession> {
    const context = { operation: 'beginSession' as const, workItemId, versionId };
    checkGuids(context, { workItemId, versionId });
    if (session.answerXml !== undefined) this.checkAnswers(session.answerXml, context);
    const body: Record<string, unknown> = {};
    if (session.answerXml !== undefined) body['answerXml'] = session.answerXml;
    if (session.forceCreate !== undefined) body['forceCreate'] = session.forceCreate;
    const response = await this.transport.exchange({
      ...context,
      ...options,
      ...this.protocol.beginSession(workItemId, versionId, body),
    });
    const begun = readSession(await readJson(response, context), workItemId, versionId);
    if (begun === undefined) {
      throw new AdvanceTransientError(
        `${describe(context)}: the response lacks hdaSessionId, coreSessionId or interviewJsUrl`,
        { ...context, status: response.statusCode },
      );
    }
    return begun;
  }

  /**
   * Keeps the in-progress answers: `Versions/Active/SaveSession` (v1.1), or
   * `Versions/{versionId}/SaveAndClose` (v2.0, which also ends the Core assembly session).
   */
  async saveSession(workItemId: string, options: SaveSessionOptions = {}): Promise<void> {
    const { versionId } = options;
    const context = { operation: 'saveSession' as const, workItemId, versionId };
    checkGuids(context, versionId === undefined ? { workItemId } : { workItemId, versionId });
    const callback = this.checkCallback(options.callback, context);
    const response = await this.transport.exchange({
      ...context,
      signal: options.signal,
      ...this.protocol.saveSession(context, { workItemId, versionId }, callback),
    });
    await response.body.dump();
  }

  /**
   * Completes the session: `Versions/Active/CompleteSession` (v1.1; `runAssembly` defaults to
   * true), or `Versions/{versionId}/Complete` (v2.0, with the callback when given). The answer's
   * status is `Completed` on v1.1; on v2.0 whatever Advance said (`Completing` for an accepted
   * asynchronous completion), or none, and then only a status read tells.
   */
  async completeSession(
    workItemId: string,
    completion: CompleteSessionRequest = {},
    options: CallOptions = {},
  ): Promise<CompletionAnswer> {
    const { versionId } = completion;
    const context = { operation: 'completeSession' as const, workItemId, versionId };
    checkGuids(context, versionId === undefined ? { workItemId } : { workItemId, versionId });
    const callback = this.checkCallback(completion.callback, context);
    const response = await this.transport.exchange({
      ...context,
      ...options,
      ...this.protocol.completeSession(
        context,
        { workItemId, versionId },
        { ...(completion.runAssembly !== undefined && { runAssembly: completion.runAssembly }), callback },
      ),
    });
    return this.protocol.readCompletion(
      await readBodyValue(response),
      response.statusCode,
      header(response, 'location'),
    );
  }

  /** v2.0 `GET WorkItems/{id}/Versions/{versionId}/Status`; v1.1 has none (`AdvanceUnsupportedError`). */
  async readVersionStatus(
    workItemId: string,
    versionId: string,
    options: CallOptions = {},
  ): Promise<VersionState> {
    const context = { operation: 'readVersionStatus' as const, workItemId, versionId };
    checkGuids(context, { workItemId, versionId });
    const request = this.protocol.readVersionStatus(context, workItemId, versionId);
    const response = await this.transport.exchange({ ...context, ...options, ...request });
    const state = readVersionState(await readBodyValue(response), versionId);
    if (state === undefined) {
      throw new AdvanceTransientError(`${describe(context)}: HTTP ${response.statusCode} without a status`, {
        ...context,
        status: response.statusCode,
      });
    }
    return state;
  }

  /** v2.0 `GET WorkItems/{id}/Versions[?filter=<status>]`: the versions, optionally of one status. */
  async listVersions(
    workItemId: string,
    filter: { status?: Exclude<VersionStatus, 'Unknown'> } = {},
    options: CallOptions = {},
  ): Promise<WorkItemVersion[]> {
    const context = { operation: 'listVersions' as const, workItemId };
    checkGuids(context, { workItemId });
    const request = this.protocol.listVersions(context, workItemId, filter.status);
    const response = await this.transport.exchange({ ...context, ...options, ...request });
    return readVersionList(await readJson(response, context));
  }

  /**
   * Creates the version `versionId` and completes it with assembly. v2.0 with CreateAndAssemble
   * `on`/`auto`: one call (`PUT …/Versions/{versionId}/CreateAndAssemble`); in `auto` a `404` or
   * `405` falls back to create-version + Complete, and once the fallback's create succeeded (so
   * the work item exists) this client remembers that the server has no CreateAndAssemble. v1.1
   * and `off`: begin + complete. Not retry-safe on its own: see `ensureVersionAssembled`.
   */
  async createAndAssemble(
    workItemId: string,
    versionId: string,
    request: CreateAndAssembleRequest = {},
    options: CallOptions = {},
  ): Promise<AssemblyAnswer> {
    const context = { operation: 'createAndAssemble' as const, workItemId, versionId };
    checkGuids(context, { workItemId, versionId });
    if (request.answerXml !== undefined) this.checkAnswers(request.answerXml, context);
    const callback = this.checkCallback(request.callback, context);
    const mode = this.createAndAssembleMode();
    if (mode !== 'off') {
      try {
        const response = await this.transport.exchange({
          ...context,
          ...options,
          ...this.protocol.createAndAssemble(
            context,
            { workItemId, versionId },
            { ...(request.answerXml !== undefined && { answerXml: request.answerXml }), callback },
          ),
        });
        const answer = this.protocol.readCompletion(
          await readBodyValue(response),
          response.statusCode,
          header(response, 'location'),
        );
        if (mode === 'auto') this.createAndAssembleSupported = true;
        return { via: 'create-and-assemble', ...answer };
      } catch (error) {
        if (mode !== 'auto' || !isMissingCall(error)) throw error;
      }
    }
    const session = await this.beginSession(
      workItemId,
      versionId,
      request.answerXml === undefined ? {} : { answerXml: request.answerXml },
      options,
    );
    // The version was created, so the work item exists: the 404/405 meant "no such call".
    if (mode === 'auto') this.createAndAssembleSupported = false;
    if (this.protocol.fixed.finishesInterview) {
      await this.coreInterview.finishUnlessFinished(session, { workItemId, versionId, ...options });
    }
    const answer = await this.completeSession(
      workItemId,
      { versionId, ...(callback !== undefined && { callback }) },
      options,
    );
    return { via: 'create-then-complete', session, ...answer };
  }

  /**
   * v2.0: finishes an interview's Core session before Complete (`finishcurrentinterview`, see
   * core-interview.ts). Not retry-safe on its own: see `ensureInterviewFinished`.
   */
  finishInterview(session: InterviewSessionRef, options: FinishInterviewOptions = {}): Promise<void> {
    return this.coreInterview.finish(session, options);
  }

  /**
   * The documents of a completed version: v2.0 `Versions/{versionId}/Documents` when the server
   * has it, else (and on v1.1) `WorkItems/{id}/Documents`, the latest completed session's.
   */
  async listDocuments(workItemId: string, options: DocumentCallOptions = {}): Promise<AdvanceDocument[]> {
    const { versionId } = options;
    const context = { operation: 'listDocuments' as const, workItemId, versionId };
    checkGuids(context, versionId === undefined ? { workItemId } : { workItemId, versionId });
    const response = await this.documentsExchange(context, options, (scope) =>
      this.protocol.listDocuments(workItemId, scope),
    );
    return readDocuments(await readJson(response, context));
  }

  /** One document's bytes as a stream, by the same paths as `listDocuments`. */
  async downloadDocument(
    workItemId: string,
    documentId: string,
    options: DocumentCallOptions = {},
  ): Promise<DocumentDownload> {
    const { versionId } = options;
    const context = { operation: 'downloadDocument' as const, workItemId, versionId };
    checkGuids(context, versionId === undefined ? { workItemId } : { workItemId, versionId });
    if (typeof documentId !== 'string' || documentId.trim() === '') {
      throw new AdvanceValidationError(`${describe(context)}: documentId is required`, context);
    }
    const response = await this.documentsExchange(context, options, (scope) =>
      this.protocol.downloadDocument(workItemId, documentId, scope),
    );
    const length = Number(header(response, 'content-length'));
    return {
      body: response.body,
      contentType: header(response, 'content-type') ?? 'application/octet-stream',
      fileName: fileNameFrom(header(response, 'content-disposition')),
      contentLength: Number.isFinite(length) && length >= 0 ? length : undefined,
    };
  }

  /** Closes the client's connection pools (not a dispatcher that was passed in). */
  async close(): Promise<void> {
    await this.transport.close();
  }

  private checkAnswers(xml: string, context: FailureContext): void {
    checkAnswerXml(xml, { maxBytes: this.options.maxAnswerXmlBytes, context });
  }

  private createAndAssembleMode(): ProtocolCapabilities['createAndAssemble'] {
    if (!this.protocol.offersCreateAndAssemble) return 'off';
    const configured = this.options.createAndAssemble;
    if (configured !== 'auto' || this.createAndAssembleSupported === undefined) return configured;
    return this.createAndAssembleSupported ? 'on' : 'off';
  }

  /** A callback is a hint: checked here, and dropped on a protocol that has none. */
  private checkCallback(
    callback: AdvanceCallback | undefined,
    context: FailureContext,
  ): AdvanceCallback | undefined {
    if (callback === undefined) return undefined;
    const problems: string[] = [];
    const url = callback.url;
    if (typeof url !== 'string' || !/^https?:\/\//i.test(url) || !URL.canParse(url))
      problems.push('callback.url must be an absolute http(s) URL');
    if (callback.secret !== undefined && (typeof callback.secret !== 'string' || callback.secret === ''))
      problems.push('callback.secret must be a non-empty string');
    if (problems.length > 0)
      throw new AdvanceValidationError(`${describe(context)}: ${problems.join('; ')}`, context);
    return this.protocol.fixed.callbacks ? callback : undefined;
  }

  /**
   * A documents request, version-scoped first on v2.0: a `404` there before any version-scoped
   * request has succeeded means the server lacks those paths, and the work item's are used from
   * then on.
   */
  private async documentsExchange(
    context: FailureContext,
    options: DocumentCallOptions,
    build: (versionId: string | undefined) => ApiRequest,
  ): Promise<RawResponse> {
    const { versionId, signal } = options;
    const scoped =
      versionId !== undefined &&
      this.protocol.offersVersionScopedDocuments &&
      this.documentScope !== 'work-item';
    if (scoped) {
      try {
        const response = await this.transport.exchange({ ...context, signal, ...build(versionId) });
        this.documentScope = 'version';
        return response;
      } catch (error) {
        if (this.documentScope !== 'unknown' || !(error instanceof AdvanceNotFoundError)) throw error;
      }
    }
    const response = await this.transport.exchange({ ...context, signal, ...build(undefined) });
    if (scoped) this.documentScope = 'work-item';
    return response;
  }
}

/** A server without the call answers "no route" (`404`) or "method not allowed" (`405`). */
function isMissingCall(error: unknown): boolean {
  return error instanceof AdvanceNotFoundError || (error instanceof AdvanceError && error.status === 405);
}
