import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { LifecycleStatus } from '../../client';
import { protectWithApiKeys } from '../auth';
import type { GatewayContext } from '../context';
import { GatewayError } from '../errors';
import { assemblyParamsSchema, errorResponses, interviewResponseSchema } from '../schemas';
import { lifecycleId, SECURITY, TAGS } from './route-common';

/** The waiting interview, with a signed single-use finish link for the host page's Finish. */
export const interviewRoutes: FastifyPluginAsyncZod<{ context: GatewayContext }> = async (
  app,
  { context },
) => {
  const { lifecycles, links, config } = context;
  protectWithApiKeys(app, context);

  app.get(
    '/v1/assemblies/:id/interview',
    {
      config: { permission: 'interview' },
      schema: {
        summary: 'What a host page needs to show the waiting interview, with a signed finish link',
        description:
          'Each call signs a new single-use link. 409 no-interview-waiting when the lifecycle is not ' +
          'waiting for an interview. Never carries the Advance access token.',
        tags: TAGS,
        security: SECURITY,
        params: assemblyParamsSchema,
        response: { 200: interviewResponseSchema, ...errorResponses },
      },
    },
    async (request) => {
      const id = lifecycleId(request.params.id);
      const status = await lifecycles.status(id);
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

type WaitingSession = NonNullable<LifecycleStatus['activeSession']> & {
  interview: NonNullable<NonNullable<LifecycleStatus['activeSession']>['interview']>;
};

function waitingInterview(id: string, status: LifecycleStatus): WaitingSession {
  const session = status.activeSession;
  if (
    session === undefined ||
    session.mode !== 'interview' ||
    session.interview === undefined ||
    session.interviewCompleted ||
    status.stage !== 'waiting-for-interview'
  ) {
    throw new GatewayError(
      'no-interview-waiting',
      `Lifecycle "${id}" is not waiting for an interview (stage: ${status.stage})`,
    );
  }
  return { ...session, interview: session.interview };
}
