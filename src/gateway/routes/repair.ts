import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DEFAULT_MAX_ANSWER_XML_BYTES } from '../../advance/answer-xml';
import { repairWithCorrectedAnswers } from '../../client';
import { protectWithApiKeys } from '../auth';
import type { GatewayContext } from '../context';
import { assemblyParamsSchema, errorResponses, repairOutcomeSchema, repairRequestSchema } from '../schemas';
import { REPAIR_NOTE_MAX_CHARS } from '../../workflows/message-rules';
import { lifecycleId, SECURITY, TAGS } from './route-common';

/**
 * `POST /v1/assemblies/{id}/repair`: an operator's answer to a lifecycle in `needs-attention` (a
 * rotated password, a changed scope, an outcome Advance cannot confirm) — the `repair` update.
 */
export const repairRoutes: FastifyPluginAsyncZod<{ context: GatewayContext }> = async (app, { context }) => {
  const { lifecycles } = context;
  protectWithApiKeys(app, context);
  // Corrected answers come as the XML itself; the answer check sees it as sent.
  app.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );

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

  app.post(
    '/v1/assemblies/:id/repair/answers',
    {
      config: { permission: 'repair' },
      // Room for the answer XML limit and an XML declaration or whitespace around it.
      bodyLimit: DEFAULT_MAX_ANSWER_XML_BYTES + 64 * 1024,
      schema: {
        operationId: 'repairAssemblyWithCorrectedAnswers',
        summary: "v2.0: correct a version's answers, then retry a lifecycle that needs attention",
        description:
          'Needs the permission repair (or admin). The body is the corrected answer XML ' +
          '(application/xml), checked like all answer XML (no DTD, an AnswerSet, 1 MiB): 400 ' +
          "invalid-input otherwise. It is stored in the document store under the lifecycle's " +
          'work item and version, and the repair retry carries only its reference: the lifecycle ' +
          "puts it as the version's answer set, then retries. 409 request-rejected on a v1.1 " +
          'tenancy, a lifecycle that does not need attention or has no session; if Advance ' +
          'refuses the answer set, the lifecycle stays in needs-attention with the reason.',
        tags: TAGS,
        security: SECURITY,
        consumes: ['application/xml'],
        params: assemblyParamsSchema,
        querystring: z.strictObject({
          note: z.string().max(REPAIR_NOTE_MAX_CHARS).optional().describe('Why, for the record'),
        }),
        body: z.string().describe('The corrected HotDocs answer XML (an AnswerSet)'),
        response: { 200: repairOutcomeSchema, ...errorResponses },
      },
    },
    async (request) => {
      const id = lifecycleId(request.params.id);
      const {
        reference: _,
        sha256,
        ...outcome
      } = await repairWithCorrectedAnswers(lifecycles, context.documents, id, request.body, {
        by: request.apiKeyName,
        ...(request.query.note !== undefined && { note: request.query.note }),
      });
      request.log.info(
        { lifecycleId: id, sha256, stage: outcome.stage },
        'lifecycle repaired with corrected answers',
      );
      return { id, ...outcome };
    },
  );
};
