import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { protectWithApiKeys } from '../auth';
import type { GatewayContext } from '../context';
import { assemblyParamsSchema, errorResponses, repairOutcomeSchema, repairRequestSchema } from '../schemas';
import { lifecycleId, SECURITY, TAGS } from './route-common';

/**
 * `POST /v1/assemblies/{id}/repair`: an operator's answer to a lifecycle in `needs-attention` (a
 * rotated password, a changed scope, an outcome Advance cannot confirm) — the `repair` update.
 */
export const repairRoutes: FastifyPluginAsyncZod<{ context: GatewayContext }> = async (app, { context }) => {
  const { lifecycles } = context;
  protectWithApiKeys(app, context);

  app.post(
    '/v1/assemblies/:id/repair',
    {
      config: { permission: 'repair' },
      schema: {
        operationId: 'repairAssembly',
        summary: 'Repair a lifecycle that needs attention: retry, accept-completed or abandon',
        description:
          'Needs the permission repair (or admin). 200 with the stage the lifecycle moved on to; ' +
          "the API key's name is recorded with the repair (status.repairs[].by). " +
          '409 request-rejected when the lifecycle does not need attention or the action does not ' +
          'fit its reason; 409 lifecycle-closed when it has ended.',
        tags: TAGS,
        security: SECURITY,
        params: assemblyParamsSchema,
        body: repairRequestSchema,
        response: { 200: repairOutcomeSchema, ...errorResponses },
      },
    },
    async (request) => {
      const id = lifecycleId(request.params.id);
      // Who repaired is the key's name, never what the body says.
      const outcome = await lifecycles.repair(id, { ...request.body, by: request.apiKeyName });
      request.log.info(
        { lifecycleId: id, action: outcome.action, stage: outcome.stage },
        'lifecycle repaired',
      );
      return { id, ...outcome };
    },
  );
};
