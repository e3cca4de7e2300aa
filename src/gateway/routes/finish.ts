import formbody from '@fastify/formbody';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LifecycleClientError, type InterviewCompletion } from '../../client';
import type { GatewayContext } from '../context';
import { GatewayError } from '../errors';
import type { FinishLink, FinishLinkCheck } from '../finish-links';
import { credentialRateLimit } from '../rate-limits';
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

/**
 * `POST /v1/finish/{token}`: where the interview posts when the person presses Finish. The signed
 * link is the only credential (the browser has no API key). Checks, cheapest first: signature
 * (constant time) and expiry, the rate limit (per session for a valid link, per address for junk:
 * rate-limits.ts), this process's nonce cache; then one
 * message to the lifecycle, the `completeInterview` update for the link's session, whose answer
 * is the authority across restarts and replicas: accepted, already finished (410), or refused
 * (ended, or the session is no longer one to finish: 410 as well). The link names its version, so
 * a stale link never finishes a later session.
 *
 * A person's Finish is never lost to a deploy: when no worker accepts the update within
 * `GATEWAY_FINISH_ACCEPT_WITHIN`, the `interviewCompleted` signal goes instead (Temporal's server
 * takes it alone) and the person is told the answers were received. Both paths are idempotent:
 * the update the server still holds may be delivered after the signal, and the lifecycle's rule
 * makes the later one change nothing.
 *
 * The nonce is spent once the lifecycle (or the server, for the signal) took the report. While
 * one post of a link is in flight, another answers `409 finish-in-progress` ("try again"); an
 * attempt that failed (Temporal away) gives the nonce back, so the next click works. "Already
 * finished" is said only when the lifecycle itself says so.
 */
export const finishRoutes: FastifyPluginAsyncZod<{ context: GatewayContext }> = async (app, { context }) => {
  // Form posts only here: the interview page submits a plain HTML form.
  await app.register(formbody);
  // The link is checked first (a constant-time HMAC, no I/O), so that the rate limit counts a
  // valid link's posts against that interview session, whatever the addresses (one office
  // behind one NAT never throttles its own people), and junk against its sender's address.
  const links = credentialRateLimit({
    verify: (request: FastifyRequest<{ Params: { token: string } }>) =>
      context.finishLinks.verify(request.params.token, Date.now()),
    bucket: (check) =>
      check.ok ? `finish-link:${check.link.lifecycleId}:${check.link.versionId}` : undefined,
    credentialPerMinute: context.config.finishLinkRateLimitPerMinute,
    addressPerMinute: context.config.rateLimitPerMinute,
    credentialExceeded: (max) => `Too many finish posts for this interview: at most ${max} a minute`,
  });
  app.post(
    '/v1/finish/:token',
    {
      onRequest: links.onRequest,
      config: { htmlErrors: true, rateLimit: links.rateLimit },
      schema: {
        operationId: 'finishInterview',
        summary: "The interview's Finish post (authenticated by the signed link itself)",
        description:
          'Accepts application/x-www-form-urlencoded (the interview page) or JSON. Answers a small ' +
          'HTML page when the request accepts text/html, JSON otherwise. 403 finish-link-invalid ' +
          '(tampered or not ours), 410 finish-link-expired, 410 finish-link-used (already finished, ' +
          'or the session is no longer the one waiting), 409 finish-in-progress (the same link is ' +
          'being finished right now: try again), 429 rate-limited (per interview session; per client ' +
          'address for a link that is not valid), 503 temporal-unavailable (nothing was delivered: try again).',
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
      const link = verifiedLink(links.verified(request));
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
      const outcome = await complete(context, link).catch((error: unknown) => {
        // The lifecycle itself says the session is done: the link is used up. Anything else
        // (Temporal away) delivered nothing for sure: the link stays usable.
        if (error instanceof GatewayError && error.code === 'finish-link-used')
          context.usedNonces.spend(link.nonce);
        else context.usedNonces.release(link.nonce);
        throw error;
      });
      context.usedNonces.spend(link.nonce);
      request.log.info(
        { lifecycleId: link.lifecycleId, versionId: link.versionId, outcome },
        'interview finished',
      );
      if (wantsHtml(request)) return reply.type('text/html; charset=utf-8').send(renderThankYouPage(outcome));
      return { id: link.lifecycleId, versionId: link.versionId, interviewCompleted: true as const, outcome };
    },
  );
};

/** Errors of the finish route: JSON, or a page for a browser (see the error handler). */
const pageOrErrorResponses = {
  '4xx': {
    description: 'Refused: the error JSON, or a page saying why for a browser (Accept: text/html)',
    content: { 'application/json': { schema: errorResponseSchema }, 'text/html': { schema: z.string() } },
  },
  '5xx': {
    description: 'Nothing was delivered; try again: the error JSON, or a page for a browser',
    content: { 'application/json': { schema: errorResponseSchema }, 'text/html': { schema: z.string() } },
  },
} as const;

function verifiedLink(check: FinishLinkCheck | undefined): FinishLink {
  if (check === undefined) throw new Error('the finish link is checked in onRequest');
  if (check.ok) return check.link;
  if (check.reason === 'expired') {
    throw new GatewayError('finish-link-expired', 'This finish link has expired; ask for a new one');
  }
  throw new GatewayError('finish-link-invalid', 'This finish link is not valid');
}

/**
 * The report for the link's session, and how it was taken; `already-finished`, a refusal and a
 * lifecycle that is gone all mean the link is used up.
 */
async function complete(context: GatewayContext, link: FinishLink): Promise<'accepted' | 'signalled'> {
  let completion: InterviewCompletion;
  try {
    completion = await context.lifecycles.completeInterview(link.lifecycleId, {
      versionId: link.versionId,
      acceptWithinMs: context.config.finishAcceptWithinMs,
    });
  } catch (error) {
    // Signed by us, so it existed: gone now means it ended long ago (past retention); a refusal,
    // that the session is no longer the one waiting.
    const usedUp =
      isLifecycleGone(error) || (error instanceof LifecycleClientError && error.code === 'request-rejected');
    throw usedUp ? alreadyUsed() : error;
  }
  if (completion.outcome === 'already-finished') throw alreadyUsed();
  return completion.outcome;
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
