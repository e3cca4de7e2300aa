import { Agent, request, type Dispatcher } from 'undici';
import { describe, errorFromNetwork, errorFromResponse, type FailureContext } from './classify';
import { AdvanceAuthError, AdvanceTransientError, type AdvanceOperation } from './errors';
import type { ResolvedAdvanceClientOptions } from './options';
import type { ApiRequest } from './protocol';
import { readLimitedText, unquote } from './response-body';
import { LoginBreaker } from './login-breaker';
import { TokenCache, type AccessToken } from './token-cache';
import { routeTemplate } from './urls';

/** One finished HTTP exchange, for logs and metrics. Carries no token, password or body. */
export interface AdvanceRequestEvent {
  tenancy: string;
  operation: AdvanceOperation;
  method: string;
  path: string;
  /** `path` with its ids named (`WorkItems/{workItemId}/Documents`), without a query. */
  route: string;
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

/** One API request as the client's operations describe it. */
export interface Exchange {
  operation: AdvanceOperation;
  method: ApiRequest['method'] | 'POST';
  path: string;
  body?: unknown;
  workItemId?: string;
  versionId?: string;
  signal?: AbortSignal;
  /**
   * An absolute URL outside the REST base (the Core API); `path` then only names the call in logs.
   * The bearer token goes with it only when `trusted`.
   */
  url?: string;
  trusted?: boolean;
}

export type RawResponse = Dispatcher.ResponseData;

/**
 * How the client speaks HTTP to one tenancy: a keep-alive pool per origin, the token cache with the
 * service-principal login, a `401` answered by renewing the token and repeating once, errors
 * classified (classify.ts), and every exchange reported to `onRequest` (logs, metrics).
 */
export class AdvanceTransport {
  readonly tokens: TokenCache;
  private readonly loginBreaker: LoginBreaker;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly onRequest?: (event: AdvanceRequestEvent) => void;

  constructor(
    private readonly options: ResolvedAdvanceClientOptions,
    deps: AdvanceClientDependencies = {},
  ) {
    this.onRequest = deps.onRequest;
    this.ownsDispatcher = deps.dispatcher === undefined;
    this.dispatcher =
      deps.dispatcher ??
      new Agent({
        connections: options.connectionsPerOrigin,
        connect: { timeout: options.connectTimeoutMs },
        headersTimeout: options.headersTimeoutMs,
        bodyTimeout: options.bodyTimeoutMs,
        keepAliveTimeout: options.keepAliveTimeoutMs,
      });
    this.loginBreaker = new LoginBreaker(options.loginBreakerSeconds * 1000);
    this.tokens =
      deps.tokenCache ??
      new TokenCache({
        login: (attempt) => this.login(attempt),
        lifetimeSeconds: options.tokenLifetimeSeconds,
        renewalMarginSeconds: options.tokenRenewalMarginSeconds,
      });
  }

  /** Closes the connection pools (not a dispatcher that was passed in). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** Sends an authenticated API request; renews the token once and repeats once on `401`. */
  async exchange(exchange: Exchange): Promise<RawResponse> {
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

  /**
   * A request to an absolute URL (the Core API): authenticated like `exchange` when the URL is
   * trusted, otherwise sent without a token — a URL taken from a response must not receive it.
   */
  async exchangeAt(exchange: Exchange & { url: string }): Promise<RawResponse> {
    if (exchange.trusted === true) return this.exchange(exchange);
    return this.failOnError(exchange, await this.send(exchange, exchange.url, {}));
  }

  private sendAuthorized(exchange: Exchange, token: AccessToken): Promise<RawResponse> {
    return this.send(exchange, exchange.url ?? `${this.options.urls.apiBase}/${exchange.path}`, {
      authorization: `Bearer ${token.token.reveal()}`,
    });
  }

  async failOnError(context: FailureContext, response: RawResponse): Promise<RawResponse> {
    if (response.statusCode < 400) return response;
    const text = await readLimitedText(response);
    throw errorFromResponse(context, response.statusCode, response.headers, text);
  }

  /**
   * One service-principal login: JSON in, the bare token as text out. Held back by the login
   * breaker after a refusal, unless `pastBreaker` (an operator's retry: the operator says the
   * fault is fixed, so the remembered refusal must not answer for Advance).
   */
  async login({ pastBreaker = false }: { pastBreaker?: boolean } = {}): Promise<string> {
    const context = { operation: 'login' as const };
    const { clientName, principalName, principalPassword } = this.options.credentials;
    const credentials = [clientName, principalName, principalPassword.reveal()];
    if (!pastBreaker) this.loginBreaker.check(credentials);
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
      const refusal = new AdvanceAuthError(
        `login was refused (HTTP ${response.statusCode}) for client "${clientName}", principal ` +
          `"${principalName}": check the client name, principal name and password`,
        { ...context, status: response.statusCode },
      );
      this.loginBreaker.refusedWith(credentials, refusal.message);
      throw refusal;
    }
    await this.failOnError(context, response);
    const token = unquote((await response.body.text()).trim());
    if (token === '') {
      throw new AdvanceTransientError('login answered with an empty token', {
        ...context,
        status: response.statusCode,
      });
    }
    this.loginBreaker.accepted();
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
      tenancy: this.options.tenancy,
      operation: exchange.operation,
      method: exchange.method,
      path: exchange.path,
      route: routeTemplate(exchange.path),
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
