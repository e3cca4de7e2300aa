import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { checkAnswerXml } from './answer-xml';
import { describe, errorFromNetwork, errorFromResponse, type FailureContext } from './classify';
import {
  AdvanceAuthError,
  AdvanceError,
  AdvanceNotFoundError,
  AdvanceTransientError,
  AdvanceValidationError,
  type AdvanceOperation,
} from './errors';
import { isGuid } from './guid';
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
import { TokenCache, type AccessToken, type TokenMetadata } from './token-cache';
import type { AdvanceApiVersion } from './urls';
import {
  readVersionState,
  type CompletionAnswer,
  type VersionState,
  type VersionStatus,
} from './version-status';

/** One finished HTTP exchange, for logs and metrics. Carries no token, password or body. */
export interface AdvanceRequestEvent {
  tenancy: string;
  operation: AdvanceOperation;
  method: string;
  path: string;
  /** HTTP status, or undefined when no response arrived. */
  status?: number;
  /** `ok`, or the error kind the outcome was classified as. */
  outcome: 'ok' | 'auth' | 'forbidden' | 'not-found' | 'conflict' | 'validation' | 'throttled' | 'transient';
  durationMs: number;
}

export interface AdvanceClientDependencies {
  /** Share a cache between clients of the same tenancy and credentials. */
  tokenCache?: TokenCache;
  /** An undici dispatcher to use instead of the client's own keep-alive agent. */
  dispatcher?: Dispatcher;
  /** Called after every HTTP exchange (login included). */
  onRequest?: (event: AdvanceRequestEvent) => void;
}

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

interface Exchange {
  operation: AdvanceOperation;
  method: ApiRequest['method'] | 'POST';
  path: string;
  body?: unknown;
  workItemId?: string;
  versionId?: string;
  signal?: AbortSignal;
}

type RawResponse = Dispatcher.ResponseData;

const ERROR_BODY_LIMIT = 16 * 1024;

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
  private readonly tokens: TokenCache;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly onRequest?: (event: AdvanceRequestEvent) => void;

  constructor(
    options: AdvanceClientOptions | ResolvedAdvanceClientOptions,
    deps: AdvanceClientDependencies = {},
  ) {
    this.options = 'urls' in options ? options : resolveAdvanceClientOptions(options);
    this.tenancy = this.options.tenancy;
    this.protocol = protocolFor(this.options.apiVersion);
    this.onRequest = deps.onRequest;
    this.ownsDispatcher = deps.dispatcher === undefined;
    this.dispatcher =
      deps.dispatcher ??
      new Agent({
        connections: this.options.connectionsPerOrigin,
        connect: { timeout: this.options.connectTimeoutMs },
        headersTimeout: this.options.headersTimeoutMs,
        bodyTimeout: this.options.bodyTimeoutMs,
        keepAliveTimeout: this.options.keepAliveTimeoutMs,
      });
    this.tokens =
      deps.tokenCache ??
      new TokenCache({
        login: () => this.login(),
        lifetimeSeconds: this.options.tokenLifetimeSeconds,
        renewalMarginSeconds: this.options.tokenRenewalMarginSeconds,
      });
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
    return this.tokens.loginCount;
  }

  /** Makes sure a valid token is cached (logging in if needed); returns metadata, never the token. */
  async acquireToken(options: CallOptions = {}): Promise<TokenMetadata> {
    const { token, loggedIn } = await this.tokens.get(options.signal);
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
    const response = await this.exchange({
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
    const response = await this.exchange({
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
    const response = await this.exchange({
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
    const response = await this.exchange({
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
    const response = await this.exchange({
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
    const response = await this.exchange({ ...context, ...options, ...request });
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
    const response = await this.exchange({ ...context, ...options, ...request });
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
        const response = await this.exchange({
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
    const answer = await this.completeSession(
      workItemId,
      { versionId, ...(callback !== undefined && { callback }) },
      options,
    );
    return { via: 'create-then-complete', session, ...answer };
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
    if (this.ownsDispatcher) await this.dispatcher.close();
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
        const response = await this.exchange({ ...context, signal, ...build(versionId) });
        this.documentScope = 'version';
        return response;
      } catch (error) {
        if (this.documentScope !== 'unknown' || !(error instanceof AdvanceNotFoundError)) throw error;
      }
    }
    const response = await this.exchange({ ...context, signal, ...build(undefined) });
    if (scoped) this.documentScope = 'work-item';
    return response;
  }

  /** Sends an authenticated API request; renews the token once and repeats once on `401`. */
  private async exchange(exchange: Exchange): Promise<RawResponse> {
    const first = await this.tokens.get(exchange.signal);
    const response = await this.sendAuthorized(exchange, first.token);
    if (response.statusCode !== 401) return this.failOnError(exchange, response);

    await response.body.dump();
    this.tokens.invalidate(first.token);
    const renewed = await this.tokens.get(exchange.signal);
    const repeated = await this.sendAuthorized(exchange, renewed.token);
    if (repeated.statusCode === 401) {
      await repeated.body.dump();
      throw new AdvanceAuthError(
        `${describe(exchange)} was refused with HTTP 401 even with a freshly issued token ` +
          '(is the configured token lifetime longer than the API client\'s "token life span"?)',
        { ...exchange, status: 401 },
      );
    }
    return this.failOnError(exchange, repeated);
  }

  private sendAuthorized(exchange: Exchange, token: AccessToken): Promise<RawResponse> {
    return this.send(exchange, `${this.options.urls.apiBase}/${exchange.path}`, {
      authorization: `Bearer ${token.token.reveal()}`,
    });
  }

  private async failOnError(context: FailureContext, response: RawResponse): Promise<RawResponse> {
    if (response.statusCode < 400) return response;
    const text = await readLimitedText(response);
    throw errorFromResponse(context, response.statusCode, response.headers, text);
  }

  /** One service-principal login: JSON in, the bare token as text out. */
  private async login(): Promise<string> {
    const context = { operation: 'login' as const };
    const { clientName, principalName, principalPassword } = this.options.credentials;
    const response = await this.send(
      { ...context, method: 'POST', path: 'Authorize/ServicePrincipalLogIn' },
      `${this.options.urls.authBase}/Authorize/ServicePrincipalLogIn`,
      {},
      JSON.stringify({
        ClientName: clientName,
        PrincipalName: principalName,
        PrincipalPassword: principalPassword.reveal(),
      }),
    );
    if (response.statusCode === 400 || response.statusCode === 401 || response.statusCode === 403) {
      await response.body.dump();
      throw new AdvanceAuthError(
        `login was refused (HTTP ${response.statusCode}) for client "${clientName}", principal ` +
          `"${principalName}": check the client name, principal name and password`,
        { ...context, status: response.statusCode },
      );
    }
    await this.failOnError(context, response);
    const token = unquote((await response.body.text()).trim());
    if (token === '') {
      throw new AdvanceTransientError('login answered with an empty token', {
        ...context,
        status: response.statusCode,
      });
    }
    return token;
  }

  private async send(
    exchange: Omit<Exchange, 'body'> & { body?: unknown },
    url: string,
    headers: Record<string, string>,
    rawBody?: string,
  ): Promise<RawResponse> {
    const started = performance.now();
    const body = rawBody ?? (exchange.body === undefined ? undefined : JSON.stringify(exchange.body));
    const requestHeaders: Record<string, string> = {
      accept: 'application/json, text/plain, */*',
      ...headers,
    };
    if (body !== undefined) requestHeaders['content-type'] = 'application/json';
    let response: RawResponse;
    try {
      response = await request(url, {
        dispatcher: this.dispatcher,
        method: exchange.method,
        headers: requestHeaders,
        body,
        signal: exchange.signal,
      });
    } catch (error) {
      this.report(exchange, started, undefined);
      if (exchange.signal?.aborted) throw exchange.signal.reason;
      throw errorFromNetwork(exchange, error);
    }
    this.report(exchange, started, response.statusCode);
    return response;
  }

  private report(exchange: Omit<Exchange, 'body'>, started: number, status: number | undefined): void {
    if (this.onRequest === undefined) return;
    this.onRequest({
      tenancy: this.tenancy,
      operation: exchange.operation,
      method: exchange.method,
      path: exchange.path,
      status,
      outcome: outcomeOf(exchange.operation, status),
      durationMs: performance.now() - started,
    });
  }
}

function outcomeOf(operation: AdvanceOperation, status: number | undefined): AdvanceRequestEvent['outcome'] {
  if (status === undefined) return 'transient';
  if (status < 400) return 'ok';
  if (status === 401) return 'auth';
  if (status === 403) return operation === 'login' ? 'auth' : 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 409 || status === 423) return 'conflict';
  if (status === 429) return 'throttled';
  if (status >= 500 || status === 408) return 'transient';
  return 'validation';
}

/** A server without the call answers "no route" (`404`) or "method not allowed" (`405`). */
function isMissingCall(error: unknown): boolean {
  return error instanceof AdvanceNotFoundError || (error instanceof AdvanceError && error.status === 405);
}

function checkGuids(context: FailureContext, values: Record<string, unknown>): void {
  const bad = Object.entries(values).filter(([, value]) => !isGuid(value));
  if (bad.length === 0) return;
  const names = bad.map(([name, value]) =>
    value === undefined || value === '' ? `${name} is required` : `${name} is not a GUID`,
  );
  throw new AdvanceValidationError(`${describe(context)}: ${names.join('; ')}`, context);
}

function header(response: RawResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readJson(
  response: RawResponse,
  context: FailureContext,
  { optional = false }: { optional?: boolean } = {},
): Promise<unknown> {
  const text = await response.body.text();
  if (text.trim() === '') {
    if (optional) return undefined;
    throw new AdvanceTransientError(`${describe(context)}: HTTP ${response.statusCode} with an empty body`, {
      ...context,
      status: response.statusCode,
    });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new AdvanceTransientError(
      `${describe(context)}: HTTP ${response.statusCode} with a body that is not JSON`,
      {
        ...context,
        status: response.statusCode,
        cause,
      },
    );
  }
}

/** A body as JSON, or as its trimmed text when it is not JSON; undefined when empty. */
async function readBodyValue(response: RawResponse): Promise<unknown> {
  const text = (await response.body.text()).trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function readLimitedText(response: RawResponse): Promise<string> {
  let text = '';
  for await (const chunk of response.body) {
    if (text.length < ERROR_BODY_LIMIT) text += (chunk as Buffer).toString('utf8');
  }
  return text.slice(0, ERROR_BODY_LIMIT);
}

/** Some servers send a token as a JSON string literal; accept both forms. */
function unquote(text: string): string {
  if (text.startsWith('"') && text.endsWith('"')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'string') return parsed;
    } catch {
      // not a JSON string after all
    }
  }
  return text;
}

/** File name from `Content-Disposition`, preferring the RFC 5987 `filename*` form. */
export function fileNameFrom(disposition: string | undefined): string | undefined {
  if (disposition === undefined) return undefined;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  if (extended?.[1] !== undefined) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      // fall through to the plain form
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/.exec(disposition);
  const name = plain?.[2] ?? plain?.[1];
  return name?.trim() || undefined;
}
