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
    void reply.header('retry-after', String(retrySeconds(outcome.ttlInSeconds)));
    throw tooManyRequests(
      `Too many requests from this address: at most ${perMinute} a minute`,
      outcome.ttlInSeconds,
    );
  };
}

/** The 429 answer: what was exceeded, and when to try again. */
export function tooManyRequests(what: string, ttlSeconds: number): GatewayError {
  return new GatewayError('rate-limited', `${what}; retry in ${retrySeconds(ttlSeconds)} s`);
}

/** The seconds to wait before a retry: at least one. */
function retrySeconds(ttlSeconds: number): number {
  return Math.max(1, ttlSeconds);
}

/**
 * The route-level rate limit of a route whose URL carries its own credential: counted per
 * credential once it verifies, per address otherwise. `onRequest` is the route's own hook: it
 * runs `verify` before the rate limit's hook (a constant-time check, no I/O), and `verified` gives
 * the handler what it found; `rateLimit` is the route's `config.rateLimit`.
 */
export function credentialRateLimit<
  Verified extends object | undefined,
  Request extends FastifyRequest,
>(options: {
  /** The request's credential, checked: what the check found (undefined: nothing that verifies). */
  verify: (request: Request) => Verified;
  /** The bucket of what the check found, or undefined to count the request per address. */
  bucket: (verified: NonNullable<Verified>) => string | undefined;
  credentialPerMinute: number;
  addressPerMinute: number;
  /** What the 429 says when a credential's budget is spent. */
  credentialExceeded: (max: number) => string;
}) {
  const checked = new WeakMap<FastifyRequest, Verified>();
  const verified = (request: FastifyRequest): Verified | undefined => checked.get(request);
  const credential = (request: FastifyRequest): string | undefined => {
    const found = verified(request);
    return found === undefined ? undefined : options.bucket(found);
  };
  return {
    onRequest: async (request: Request): Promise<void> => {
      checked.set(request, options.verify(request));
    },
    rateLimit: {
      timeWindow: RATE_WINDOW_MS,
      keyGenerator: (request: FastifyRequest) => credential(request) ?? addressBucket(request),
      max: (request: FastifyRequest) =>
        credential(request) === undefined ? options.addressPerMinute : options.credentialPerMinute,
      errorResponseBuilder: (request: FastifyRequest, context: { max: number; ttl: number }) =>
        tooManyRequests(
          credential(request) === undefined
            ? `Too many requests: at most ${context.max} a minute`
            : options.credentialExceeded(context.max),
          Math.ceil(context.ttl / 1000),
        ),
    },
    verified,
  };
}
