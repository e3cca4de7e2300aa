import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { pathWithoutCredentials } from './credential-paths';
import { GatewayError, toGatewayError } from './errors';

/**
 * The answers fastify and Node would otherwise give in their own shapes — an unknown route, a
 * method the path does not take, a malformed or over-long URL, headers over Node's limit — in the
 * gateway's one error shape.
 */

/**
 * Which methods each route pattern takes, so that an unmatched request can be told apart: a path
 * we serve with another method (405, `Allow`) or no such path at all (404).
 */
export class RouteTable {
  private readonly routes: { pattern: RegExp; methods: Set<string> }[] = [];

  add(route: RouteOptions): void {
    const source = route.url
      .split('/')
      .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    const pattern = new RegExp(`^${source}$`);
    let entry = this.routes.find((r) => r.pattern.source === pattern.source);
    if (entry === undefined) {
      entry = { pattern, methods: new Set() };
      this.routes.push(entry);
    }
    for (const method of [route.method].flat()) entry.methods.add(method.toUpperCase());
  }

  /** The methods the path takes; empty when no route has this path. */
  methodsOf(url: string): string[] {
    const path = url.replace(/[?#].*$/s, '');
    return [
      ...new Set(this.routes.filter((r) => r.pattern.test(path)).flatMap((r) => [...r.methods])),
    ].sort();
  }
}

export function answerUnmatched(routes: RouteTable) {
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const allowed = routes.methodsOf(request.url);
    if (allowed.length > 0) {
      return reply
        .code(405)
        .header('allow', allowed.join(', '))
        .send(
          new GatewayError(
            'method-not-allowed',
            `${request.method} is not allowed here; use ${allowed.join(' or ')}`,
          ).toBody(),
        );
    }
    return reply
      .code(404)
      .send(new GatewayError('not-found', `No route ${request.method} ${pathOf(request.url)}`).toBody());
  };
}

/** fastify's `frameworkErrors`: a bad percent-encoding (400) or a path segment over the limit (414). */
export function answerFrameworkError(error: Error, _request: FastifyRequest, reply: FastifyReply): void {
  const answer = toGatewayError(error);
  void reply.code(answer.statusCode).send(answer.toBody());
}

/**
 * Node's `clientError`: the request could not even be parsed (headers over Node's limit, a
 * malformed request line, a timeout). There is no request object; the answer is written to the
 * socket as fastify's own handler does, in our shape.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const answer =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new GatewayError(
          'headers-too-large',
          'The request headers (or the URL) are larger than this gateway accepts',
        )
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new GatewayError('request-timeout', 'The request took too long to arrive')
        : new GatewayError('malformed-request', 'The request is not valid HTTP');
  const body = JSON.stringify(answer.toBody());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${answer.statusCode} ${statusText(answer.statusCode)}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

function statusText(status: number): string {
  return (
    { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' }[status] ?? 'Error'
  );
}

/** A path as it may be shown: no query string, no finish or callback token. */
export function pathOf(url: string): string {
  return pathWithoutCredentials(url, '…');
}
