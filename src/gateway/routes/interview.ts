import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { apiKeyOf, protectWithApiKeys } from '../auth';
import type { GatewayContext } from '../context';
import { signedInterviewLink } from '../interview-link';
import { assemblyParamsSchema, errorResponses, interviewResponseSchema, waitQuerySchema } from '../schemas';
import { lifecycleId, SECURITY } from './route-common';

/** The waiting interview, with a signed single-use finish link for the host page's Finish. */
export const interviewRoutes: FastifyPluginAsyncZod<{ context: GatewayContext }> = async (
  app,
  { context },
) => {
  const { lifecycles, config } = context;
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
          'open until the session has begun (up to the gateway wait limit, GATEWAY_WAIT_LIMIT): the ' +
          'workflow tells the gateway, which reads no status meanwhile. Held-open waits are limited ' +
          'per API key (429 too-many-waits, GATEWAY_WAITS_PER_API_KEY) and per gateway (503 ' +
          'waits-at-capacity, GATEWAY_WAITS_MAX), both with Retry-After. Never carries the Advance ' +
          'access token.',
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
      if (request.query.wait === true) {
        status = await context.interviewWaits.untilBegun(
          id,
          apiKeyOf(request).name,
          status,
          reply,
          waitOptions,
        );
      }
      return signedInterviewLink(context, id, status);
    },
  );
};
