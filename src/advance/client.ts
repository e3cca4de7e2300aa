import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { checkAnswerXml } from './answer-xml';
import { describe, errorFromNetwork, errorFromResponse, type FailureContext } from './classify';
import {
  AdvanceAuthError,
  AdvanceValidationError,
  AdvanceTransientError,
  type AdvanceOperation,
} from './errors';
import { isGuid } from './guid';
import {
  readDocuments,
  readSession,
  readWorkItem,
  type AdvanceDocument,
  type AssemblySession,
  type BeginSessionRequest,
  type WorkItem,
  type WorkItemRequest,
} from './model';
import {
  resolveAdvanceClientOptions,
  type AdvanceClientOptions,
  type ResolvedAdvanceClientOptions,
} from './options';
import { TokenCache, type AccessToken, type TokenMetadata } from './token-cache';
import { apiPath } from './urls';

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

export interface DocumentDownload {
  /** The document's bytes. Consume or destroy it: it holds a pooled connection until then. */
  body: Readable;
  contentType: string;
  fileName?: string;
  contentLength?: number;
}

interface Exchange {
  operation: AdvanceOperation;
  method: 'GET' | 'PUT' | 'POST';
  path: string;
  body?: unknown;
  workItemId?: string;
  versionId?: string;
  signal?: AbortSignal;
}

type RawResponse = Dispatcher.ResponseData;

const ERROR_BODY_LIMIT = 16 * 1024;

/**
 * The HotDocs Advance REST API v1.1, on undici with one keep-alive pool per origin. It does not
 * retry: Temporal's retry policies do that from each error's `retryable`. The one exception is a
 * `401`, answered by renewing the token once and repeating the request once.
 */
export class AdvanceClient {
  readonly tenancy: string;
  readonly options: ResolvedAdvanceClientOptions;
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
      method: 'PUT',
      path: apiPath('WorkItems', item.id),
      body,
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
      method: 'GET',
      path: apiPath('WorkItems', workItemId),
    });
    return readWorkItem(await readJson(response, context), workItemId);
  }

  /** `PUT WorkItems/{id}/Versions/{versionId}`: begins an assembly session. */
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
      method: 'PUT',
      path: apiPath('WorkItems', workItemId, 'Versions', versionId),
      body,
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

  /** `PUT WorkItems/{id}/Versions/Active/SaveSession`: keeps the in-progress answers. */
  async saveSession(workItemId: string, options: CallOptions = {}): Promise<void> {
    const context = { operation: 'saveSession' as const, workItemId };
    checkGuids(context, { workItemId });
    const response = await this.exchange({
      ...context,
      ...options,
      method: 'PUT',
      path: apiPath('WorkItems', workItemId, 'Versions', 'Active', 'SaveSession'),
      body: {},
    });
    await response.body.dump();
  }

  /** `PUT WorkItems/{id}/Versions/Active/CompleteSession`; `runAssembly` defaults to true. */
  async completeSession(
    workItemId: string,
    completion: { runAssembly?: boolean } = {},
    options: CallOptions = {},
  ): Promise<void> {
    const context = { operation: 'completeSession' as const, workItemId };
    checkGuids(context, { workItemId });
    const response = await this.exchange({
      ...context,
      ...options,
      method: 'PUT',
      path: apiPath('WorkItems', workItemId, 'Versions', 'Active', 'CompleteSession'),
      body: { runAssembly: completion.runAssembly ?? true },
    });
    await response.body.dump();
  }

  /** `GET WorkItems/{id}/Documents`: the documents of the latest completed session. */
  async listDocuments(workItemId: string, options: CallOptions = {}): Promise<AdvanceDocument[]> {
    const context = { operation: 'listDocuments' as const, workItemId };
    checkGuids(context, { workItemId });
    const response = await this.exchange({
      ...context,
      ...options,
      method: 'GET',
      path: apiPath('WorkItems', workItemId, 'Documents'),
    });
    return readDocuments(await readJson(response, context));
  }

  /** `GET WorkItems/{id}/Documents/{documentId}/Content`, as a stream. */
  async downloadDocument(
    workItemId: string,
    documentId: string,
    options: CallOptions = {},
  ): Promise<DocumentDownload> {
    const context = { operation: 'downloadDocument' as const, workItemId };
    checkGuids(context, { workItemId });
    if (typeof documentId !== 'string' || documentId.trim() === '') {
      throw new AdvanceValidationError(`${describe(context)}: documentId is required`, context);
    }
    const response = await this.exchange({
      ...context,
      ...options,
      method: 'GET',
      path: apiPath('WorkItems', workItemId, 'Documents', documentId, 'Content'),
    });
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
