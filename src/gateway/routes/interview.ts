import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminal, isWaitingForInterview, type LifecycleStatus } from '../../client';
import { protectWithApiKeys } from '../auth';
import type { GatewayContext } from '../context';
import { GatewayError } from '../errors';
import { assemblyParamsSchema, errorResponses, interviewResponseSchema, waitQuerySchema } from '../schemas';
import { withinWaitLimit } from '../wait-limit';
import { lifecycleId, SECURITY } from './route-common';

/** The waiting interview, with a signed single-use finish link for the host page's Finish. */
export const interviewRoutes: FastifyPluginAsyncZod<{ context: GatewayContext }> = async (
  app,
  { context },
) => {
  const { lifecycles, links, config } = context;
  const waitOptions = { limitMs: config.waitLimitMs, closing: context.closing };
  protectWithApiKeys(app, context);

  app.get(
    '/v1/assemblies/:id/interview',
    {
      config: { permission: 'interview' },
      schema: {
        operationId: 'getInterview',
        summary: 'What a host page needs to show the waiting interview, with a signed finish link',
        description:
          'Each call signs a new single-use link. 409 no-interview-waiting when the lifecycle is not ' +
          'waiting for an interview. With ?wait=true, right after the start, the request is held ' +
          'open until the session has begun (up to the gateway wait limit, GATEWAY_WAIT_LIMIT). ' +
          'Never carries the Advance access token.',
        tags: ['interview'],
        security: SECURITY,
        params: assemblyParamsSchema,
        querystring: waitQuerySchema,
        response: { 200: interviewResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const id = lifecycleId(request.params.id);
      let status = await lifecycles.status(id);
      if (request.query.wait === true && interviewStillToCome(status)) {
        const waited = await withinWaitLimit(lifecycles, reply, waitOptions, async () => {
          // The status query is what says a session has begun; read it until it does.
          while (interviewStillToCome(status)) {
            await sleep(STATUS_POLL_MS);
            status = await lifecycles.status(id);
          }
          return status;
        });
        if (!waited.timedOut) status = waited.value;
      }
      const session = waitingInterview(id, status);
      const now = Date.now();
      // A link outliving the interview deadline would only ever be refused: end it there.
      const deadline = session.deadlineAt === undefined ? Infinity : Date.parse(session.deadlineAt);
      const expiresAtMs = Math.min(now + config.finishLinkTtlMs, deadline);
      const { token } = context.finishLinks.sign({
        lifecycleId: id,
        versionId: session.versionId,
        expiresAtMs,
      });
      return {
        id,
        workItemId: status.workItemId,
        versionId: session.versionId,
        coreSessionId: session.interview.coreSessionId,
        interviewJsUrl: session.interview.interviewJsUrl,
        finishUrl: links.finish(token),
        expiresAt: new Date(expiresAtMs).toISOString(),
      };
    },
  );
};

const STATUS_POLL_MS = 200;

/** The lifecycle has not reached its interview yet, but will unless something goes wrong. */
function interviewStillToCome(status: LifecycleStatus): boolean {
  if (isTerminal(status.stage) || status.stage === 'needs-attention') return false;
  const session = status.activeSession;
  return session?.mode === 'interview' && !session.interviewCompleted && session.interview === undefined;
}

type WaitingSession = NonNullable<LifecycleStatus['activeSession']> & {
  interview: NonNullable<NonNullable<LifecycleStatus['activeSession']>['interview']>;
};

/** The session a finish link may be signed for: the one the lifecycle waits for (message-rules.ts). */
function waitingInterview(id: string, status: LifecycleStatus): WaitingSession {
  const session = status.activeSession;
  if (session?.interview === undefined || !isWaitingForInterview(status.stage, session)) {
    throw new GatewayError(
      'no-interview-waiting',
      `Lifecycle "${id}" is not waiting for an interview (stage: ${status.stage})`,
    );
  }
  return { ...session, interview: session.interview };
}
