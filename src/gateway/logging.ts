import { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { pathWithoutCredentials } from './credential-paths';

/** Where the gateway's JSON log lines go; `false` turns logging off (tests that do not read logs). */
export type GatewayLogOptions = { level?: string; stream?: { write(line: string): void } } | false;

/**
 * One line per request, once it is answered (instead of fastify's two, the first of them before
 * the key is known): route pattern, client address (the real one behind a trusted proxy), status,
 * time, and the API key's name — every line of an authenticated request names it, as the auth
 * hook gives the request a child logger; `apiKey: null` when none authenticated it.
 */
export class GatewayLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      req: request,
      res: { statusCode: reply.statusCode },
      ...(request.apiKeyName === '' && { apiKey: null }),
      responseTimeMs: Math.round(reply.elapsedTime),
      ...(error != null && { err: error }),
    };
    if (error != null) request.log.error(line, 'request errored');
    else request.log.info(line, 'request completed');
  }
}

/**
 * fastify's pino logger, JSON lines. Credentials never reach a line: requests are logged by
 * their route pattern (`/v1/finish/:token`), never the raw URL that carries a finish or callback
 * token (an unmatched path is logged with that segment masked, credential-paths.ts); and
 * should a header or token ever be logged, `redact` blanks the API key headers and tokens.
 */
export function loggerOptions(options: GatewayLogOptions = {}): FastifyServerOptions['logger'] {
  if (options === false) return false;
  return {
    level: options.level ?? 'info',
    ...(options.stream !== undefined && { stream: options.stream }),
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'req.headers.cookie',
        'headers.authorization',
        'headers["x-api-key"]',
        'params.token',
        'token',
      ],
      censor: '[redacted]',
    },
    serializers: { req: serializeRequest },
  };
}

function serializeRequest(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    route: request.routeOptions.url ?? pathWithoutCredentials(request.url, '[redacted]'),
    remoteAddress: request.ip,
  };
}
