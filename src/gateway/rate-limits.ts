import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from './errors';

/**
 * Where a request's budget is counted. Three kinds of caller, three kinds of bucket:
 * - before anything else on a route behind API keys, the client's address
 *   (`GATEWAY_ADDRESS_RATE_LIMIT_PER_MINUTE`): an unauthenticated flood is refused before a key is
 *   looked at, and runs out of its own budget only;
 * - once a key is known, the key (`GATEWAY_RATE_LIMIT_PER_MINUTE`);
 * - on a route whose URL is its own credential (the finish link, Advance's callbacks), that
 *   credential once verified, and the address only while it is not: the few addresses Advance
 *   calls back from, or one office's NAT, never throttle each other's valid callbacks and Finishes,
 *   and junk counts only against its sender.
 * The client's address is the one fastify gives (`GATEWAY_TRUST_PROXY` decides whose
 * `X-Forwarded-For` is believed).
 */

export const RATE_WINDOW_MS = 60_000;

/** The bucket of a request not (yet) known by a key or a credential. */
export function addressBucket(request: FastifyRequest): string {
  return `ip:${request.ip}`;
}

/**
 * An onRequest hook limiting requests per client address, for the routes behind API keys; it
 * runs before the key is checked, so that a caller without a key cannot make the gateway do more
 * than count.
 */
export function addressLimit(
  app: FastifyInstance,
  perMinute: number,
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const limit = app.createRateLimit({
    max: perMinute,
    timeWindow: RATE_WINDOW_MS,
    keyGenerator: (request) => `address:${request.ip}`,
  });
  return async (request, reply) => {
    const outcome = await limit(request);
    if (outcome.isAllowed || !outcome.isExceeded) return;
    throw rateLimited(
      reply,
      outcome.ttlInSeconds,
      `Too many requests from this address: at most ${perMinute} a minute`,
    );
  };
}

/** The 429 answer, with `Retry-After`. */
export function rateLimited(reply: FastifyReply, retryAfterSeconds: number, what: string): GatewayError {
  const seconds = Math.max(1, retryAfterSeconds);
  void reply.header('retry-after', String(seconds));
  return new GatewayError('rate-limited', `${what}; retry in ${seconds} s`);
}

/**
 * The route-level rate limit of a route whose URL carries its own credential: counted per
 * credential once `credential` names it (verified by the route's own onRequest hook, which runs
 * first), per address otherwise.
 */
export function credentialRateLimit(options: {
  /** The verified credential's bucket, or undefined when the request has none that verifies. */
  credential: (request: FastifyRequest) => string | undefined;
  credentialPerMinute: number;
  addressPerMinute: number;
  /** What the 429 says when a credential's budget is spent. */
  credentialExceeded: (max: number) => string;
}) {
  return {
    timeWindow: RATE_WINDOW_MS,
    keyGenerator: (request: FastifyRequest) => options.credential(request) ?? addressBucket(request),
    max: (request: FastifyRequest) =>
      options.credential(request) === undefined ? options.addressPerMinute : options.credentialPerMinute,
    errorResponseBuilder: (request: FastifyRequest, context: { max: number; ttl: number }) =>
      new GatewayError(
        'rate-limited',
        `${
          options.credential(request) === undefined
            ? `Too many requests: at most ${context.max} a minute`
            : options.credentialExceeded(context.max)
        }; retry in ${Math.max(1, Math.ceil(context.ttl / 1000))} s`,
      ),
  };
}
