import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { GatewayContext } from '../context';
import { GatewayError } from '../errors';
import { CachedReadiness, READINESS_FRESH_MS } from '../readiness';
import { errorResponses, healthSchema, readySchema } from '../schemas';

/** How long readiness waits for Temporal: a probe must answer well within its own timeout. */
const READY_TIMEOUT_MS = 3000;

/**
 * `/healthz`: the process is up (for restarts). `/readyz`: Temporal answers a cheap call (for
 * traffic): `503 temporal-unavailable` otherwise; the answer is kept for READINESS_FRESH_MS, so
 * that any number of probes costs Temporal one call per interval. Neither needs a key nor counts
 * against a limit.
 */
export const healthRoutes: FastifyPluginAsyncZod<{ context: GatewayContext }> = async (app, { context }) => {
  const temporal = context.lifecycles.temporal;
  const readiness = new CachedReadiness(async () => {
    await temporal.withDeadline(Date.now() + READY_TIMEOUT_MS, () =>
      temporal.workflowService.getSystemInfo({}),
    );
  });

  app.get(
    '/healthz',
    {
      config: { rateLimit: false },
      schema: {
        operationId: 'getHealth',
        summary: 'The gateway process is up',
        tags: ['health'],
        response: { 200: healthSchema, ...errorResponses },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { rateLimit: false },
      schema: {
        operationId: 'getReadiness',
        summary: 'Temporal is reachable',
        description: `The answer is kept for ${READINESS_FRESH_MS / 1000} s: probes cost Temporal one call per interval.`,
        tags: ['health'],
        response: { 200: readySchema, ...errorResponses },
      },
    },
    async (request) => {
      const { ready, error, fresh } = await readiness.check();
      if (!ready) {
        if (fresh) request.log.warn({ err: error }, 'readiness: Temporal is not reachable');
        throw new GatewayError('temporal-unavailable', 'Temporal is not reachable');
      }
      return { status: 'ready' as const };
    },
  );
};
