import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

/**
 * What the probe keeps of one HTTP exchange the Advance client made: enough to tell how the
 * tenancy answered (status, content type, the body's shape), never what would be a secret. Login
 * answers (the token) and document contents are not kept, nor anything the client sent.
 */
export interface RecordedExchange {
  method: string;
  /** Relative to the REST base (`WorkItems/…`), the auth path for a login, else the URL's path (`ipi/…`). */
  path: string;
  /** HTTP status; undefined when no answer came. */
  status?: number;
  contentType?: string;
  location?: string;
  retryAfter?: string;
  /** The answer's text (at most `MAX_BODY_BYTES`); absent for logins and document contents. */
  body?: string;
}

/** Larger answers than this are cut: the probe reads shapes, not data. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Records the exchanges of an undici dispatcher the Advance client is given
 * (`AdvanceClientDependencies.dispatcher`): the client does its own reading, the probe reads the
 * same answers as they came.
 */
export class ResponseRecorder {
  private readonly exchanges: RecordedExchange[] = [];

  constructor(private readonly bases: { apiBase: string; authBase: string }) {}

  /** `dispatcher` with every exchange recorded. */
  wrap(dispatcher: Dispatcher): Dispatcher {
    return dispatcher.compose((dispatch) => (options, handler) => {
      const exchange = this.start(options);
      return dispatch(options, new RecordingHandler(handler, exchange, keepsBody(exchange.path)));
    });
  }

  /** A position to read the exchanges from (`since`). */
  mark(): number {
    return this.exchanges.length;
  }

  since(mark: number): RecordedExchange[] {
    return this.exchanges.slice(mark);
  }

  all(): readonly RecordedExchange[] {
    return this.exchanges;
  }

  private start(options: Dispatcher.DispatchOptions): RecordedExchange {
    const url = `${String(options.origin ?? '').replace(/\/+$/, '')}${options.path}`;
    const exchange: RecordedExchange = { method: options.method, path: this.relative(url) };
    this.exchanges.push(exchange);
    return exchange;
  }

  private relative(url: string): string {
    for (const base of [this.bases.apiBase, this.bases.authBase]) {
      if (url.toLowerCase().startsWith(`${base.toLowerCase()}/`)) return url.slice(base.length + 1);
    }
    // Another origin (the Core API): its path, as the report names calls by path.
    return URL.canParse(url) ? new URL(url).pathname.replace(/^\/+/, '') : url;
  }
}

function keepsBody(path: string): boolean {
  return !/^Authorize\//i.test(path) && !/\/Content(\?|$)/i.test(path);
}

/** Passes every event on unchanged, noting the status, some headers and (when kept) the body. */
class RecordingHandler implements Dispatcher.DispatchHandler {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly next: Dispatcher.DispatchHandler,
    private readonly exchange: RecordedExchange,
    private readonly keepBody: boolean,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.next.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    socket: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>[3],
  ): void {
    this.next.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    this.exchange.status = statusCode;
    this.exchange.contentType = first(headers['content-type']);
    this.exchange.location = first(headers['location']);
    this.exchange.retryAfter = first(headers['retry-after']);
    this.next.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.keepBody && this.size < MAX_BODY_BYTES) {
      this.chunks.push(chunk);
      this.size += chunk.length;
    }
    this.next.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    if (this.keepBody) {
      this.exchange.body = Buffer.concat(this.chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
    }
    this.next.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.next.onResponseError?.(controller, error);
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
