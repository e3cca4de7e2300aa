import formbody from '@fastify/formbody';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LifecycleClientError, type LifecycleStage, type LifecycleStatus } from '../../client';
import type { GatewayContext } from '../context';
import { GatewayError } from '../errors';
import type { FinishLink } from '../finish-links';
import { renderThankYouPage, wantsHtml } from '../finish-pages';
import {
  errorResponseSchema,
  finishBodySchema,
  finishParamsSchema,
  interviewFinishedSchema,
} from '../schemas';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Errors of this route are shown as a page to a browser (see the error handler). */
    htmlErrors?: boolean;
  }
}

const ENDED: ReadonlySet<LifecycleStage> = new Set(['completed', 'expired', 'cancelled', 'failed']);

/**
 * `POST /v1/finish/{token}`: where the interview posts when the person presses Finish. The signed
 * link is the only credential (the browser has no API key). Checks, cheapest first: signature
 * (constant time), expiry, the per-session rate limit, this process's nonce cache, then the
 * lifecycle's own state, which is the authority for single use across restarts and replicas: the
 * link's session must still be the active one, waiting, with its interview not yet reported
 * finished. Only then is `interviewCompleted` signalled for that version.
 *
 * The nonce is spent only once the signal was accepted. While one post of a link is signalling,
 * another answers `409 finish-in-progress` ("try again"); an attempt that failed (Temporal away,
 * the signal refused) gives the nonce back, so the next click works. "Already finished" is said
 * only when the lifecycle itself says so — never for a signal that was not sent.
 *
 * The remaining race: two posts of the same link that reach two replicas (or one replica after a
 * restart) at the same moment can both read "waiting" and both signal. The workflow makes that
 * harmless: the first signal marks the session's interview finished; the second either sets the
 * same flag again or, once the session has been completed, is recorded in `rejectedSignals` as
 * "already completed". Nothing is completed twice and no other session is touched, because the
 * signal names the link's version id.
 */
export const finishRoutes: FastifyPluginAsyncZod<{ context: GatewayContext }> = async (app, { context }) => {
  // Form posts only here: the interview page submits a plain HTML form.
  await app.register(formbody);
  // Beside the per-address limit every route has: one interview session's link (however many
  // addresses post it) gets this many tries a minute; a junk token counts only against its sender.
  const perSession = app.createRateLimit({
    max: context.config.finishLinkRateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => {
      const link = checkedLinks.get(request);
      return link === undefined ? 'finish-link:none' : `finish-link:${link.lifecycleId}:${link.versionId}`;
    },
  });

  app.post(
    '/v1/finish/:token',
    {
      config: { htmlErrors: true },
      schema: {
        operationId: 'finishInterview',
        summary: "The interview's Finish post (authenticated by the signed link itself)",
        description:
          'Accepts application/x-www-form-urlencoded (the interview page) or JSON. Answers a small ' +
          'HTML page when the request accepts text/html, JSON otherwise. 403 finish-link-invalid ' +
          '(tampered or not ours), 410 finish-link-expired, 410 finish-link-used (already finished, ' +
          'or the session is no longer the one waiting), 409 finish-in-progress (the same link is ' +
          'being finished right now: try again), 429 rate-limited (per client address, and per ' +
          'interview session), 503 temporal-unavailable (nothing was signalled: try again).',
        tags: ['interview'],
        // JSON first: generators that pick one media type pick the first. (openapi-python-client
        // 0.29 writes both branches for one model, and the last one's Content-Type wins: the form
        // post, which is also how it encodes the body, so its method posts a consistent form.)
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        params: finishParamsSchema,
        body: finishBodySchema,
        response: {
          200: {
            description: 'The lifecycle was told: JSON, or a thank-you page for a browser',
            content: {
              'application/json': { schema: interviewFinishedSchema },
              'text/html': { schema: z.string() },
            },
          },
          ...pageOrErrorResponses,
        },
      },
    },
    async (request, reply) => {
      const link = verifiedLink(context, request.params.token);
      checkedLinks.set(request, link);
      const limit = await perSession(request);
      if (!limit.isAllowed && limit.isExceeded)
        throw sessionRateLimited(reply, limit.ttlInSeconds, limit.max);
      const postedVersion = request.body?.versionId;
      if (postedVersion !== undefined && postedVersion.toLowerCase() !== link.versionId.toLowerCase()) {
        throw new GatewayError(
          'finish-link-invalid',
          'This finish link belongs to another interview session',
        );
      }
      const claim = context.usedNonces.claim(link.nonce, link.expiresAtMs, Date.now());
      if (claim === 'spent') throw alreadyUsed();
      if (claim === 'in-progress') {
        throw new GatewayError(
          'finish-in-progress',
          'This interview is being finished right now; try again in a moment',
        );
      }
      try {
        await signalWhenStillWaiting(context, link);
      } catch (error) {
        // The lifecycle itself says the session is done: the link is used up. Anything else
        // (Temporal away, the signal refused) sent nothing for sure: the link stays usable.
        if (error instanceof GatewayError && error.code === 'finish-link-used')
          context.usedNonces.spend(link.nonce);
        else context.usedNonces.release(link.nonce);
        throw error;
      }
      context.usedNonces.spend(link.nonce);
      request.log.info({ lifecycleId: link.lifecycleId, versionId: link.versionId }, 'interview finished');
      if (wantsHtml(request)) return reply.type('text/html; charset=utf-8').send(renderThankYouPage());
      return { id: link.lifecycleId, versionId: link.versionId, interviewCompleted: true as const };
    },
  );
};

/** The verified link of a request, for the per-session rate limit's key. */
const checkedLinks = new WeakMap<FastifyRequest, FinishLink>();

/** Errors of the finish route: JSON, or a page for a browser (see the error handler). */
const pageOrErrorResponses = {
  '4xx': {
    description: 'Refused: the error JSON, or a page saying why for a browser (Accept: text/html)',
    content: { 'application/json': { schema: errorResponseSchema }, 'text/html': { schema: z.string() } },
  },
  '5xx': {
    description: 'Nothing was signalled; try again: the error JSON, or a page for a browser',
    content: { 'application/json': { schema: errorResponseSchema }, 'text/html': { schema: z.string() } },
  },
} as const;

function sessionRateLimited(reply: FastifyReply, retryAfterSeconds: number, max: number): GatewayError {
  void reply.header('retry-after', String(Math.max(1, retryAfterSeconds)));
  return new GatewayError(
    'rate-limited',
    `Too many finish posts for this interview: at most ${max} a minute; retry in ${Math.max(1, retryAfterSeconds)} s`,
  );
}

function verifiedLink(context: GatewayContext, token: string): FinishLink {
  const check = context.finishLinks.verify(token, Date.now());
  if (check.ok) return check.link;
  if (check.reason === 'expired') {
    throw new GatewayError('finish-link-expired', 'This finish link has expired; ask for a new one');
  }
  throw new GatewayError('finish-link-invalid', 'This finish link is not valid');
}

async function signalWhenStillWaiting(context: GatewayContext, link: FinishLink): Promise<void> {
  let status: LifecycleStatus;
  try {
    status = await context.lifecycles.status(link.lifecycleId);
  } catch (error) {
    // Signed by us, so it existed: gone now means it ended long ago (past retention).
    if (isLifecycleGone(error)) throw alreadyUsed();
    throw error;
  }
  const session = status.activeSession;
  if (
    ENDED.has(status.stage) ||
    session === undefined ||
    session.versionId !== link.versionId ||
    session.interviewCompleted
  ) {
    throw alreadyUsed();
  }
  try {
    await context.lifecycles.interviewCompleted(link.lifecycleId, link.versionId);
  } catch (error) {
    if (isLifecycleGone(error)) throw alreadyUsed();
    throw error;
  }
}

function isLifecycleGone(error: unknown): boolean {
  return (
    error instanceof LifecycleClientError &&
    (error.code === 'lifecycle-not-found' || error.code === 'lifecycle-closed')
  );
}

function alreadyUsed(): GatewayError {
  return new GatewayError(
    'finish-link-used',
    'This interview has already been finished (or is no longer the one waiting)',
  );
}
