import type { FastifyRequest, FastifyServerOptions } from 'fastify';

/** Where the gateway's JSON log lines go; `false` turns logging off (tests that do not read logs). */
export type GatewayLogOptions = { level?: string; stream?: { write(line: string): void } } | false;

/**
 * fastify's pino logger, JSON lines. Credentials never reach a line: requests are logged by
 * their route pattern (`/v1/finish/:token`), never the raw URL that carries a finish token; and
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
    route: request.routeOptions.url ?? withoutSecrets(request.url),
    remoteAddress: request.ip,
  };
}

/** An unmatched path as it may be logged: no query string, no finish token. */
function withoutSecrets(url: string): string {
  return url.replace(/[?#].*$/s, '').replace(/\/finish\/[^/]*/gi, '/finish/[redacted]');
}
