import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { apiKeyOf, protectWithApiKeys } from '../auth';
import type { GatewayContext } from '../context';
import { GatewayError } from '../errors';
import { interviewAfterStart, requireInterviewPermission } from '../interview-link';
import {
  assemblyCreatedSchema,
  assemblyParamsSchema,
  assemblyRequestSchema,
  errorResponses,
  resultResponseSchema,
  startQuerySchema,
  statusResponseSchema,
  waitQuerySchema,
} from '../schemas';
import { resultFor, statusFor } from '../read-redaction';
import { coversLifecycle, startProblems } from '../scopes';
import { withinWaitLimit } from '../wait-limit';
import { lifecycleId, SECURITY, TAGS } from './route-common';

/**
 * The REST API over lifecycles: start (idempotent by business key), status and result; the
 * interview (interview.ts) and the messages (lifecycle-messages.ts) have their own plugins. Each
 * route is one LifecycleClient call; the client's typed errors become the gateway's error answers.
 */
export const assemblyRoutes: FastifyPluginAsyncZod<{ context: GatewayContext }> = async (
  app,
  { context },
) => {
  const { lifecycles, links, config } = context;
  const waitOptions = { limitMs: config.waitLimitMs, closing: context.closing };
  protectWithApiKeys(app, context);

  app.post(
    '/v1/assemblies',
    {
      config: { permission: 'start' },
      schema: {
        operationId: 'startAssembly',
        summary: 'Start an assembly lifecycle (idempotent by businessKey)',
        description:
          '201 when this call started it; 200 with created: false when a lifecycle with this ' +
          'businessKey already exists (the body of a repeat is not compared with the first). Needs ' +
          "the permission start, and tenancy and businessKey within the key's scope (403 forbidden); " +
          '409 business-key-in-use only when its id holds a lifecycle the key does not reach (the ' +
          "tenancy is part of the id: another tenancy's same business key is another lifecycle). The " +
          "key's name is recorded as the lifecycle's owner (memo owner, search attribute HotDocsOwner). " +
          'With ?wait=interview (and the interview permission) it also carries the begun interview.',
        tags: TAGS,
        security: SECURITY,
        querystring: startQuerySchema,
        body: assemblyRequestSchema,
        response: { 200: assemblyCreatedSchema, 201: assemblyCreatedSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const key = apiKeyOf(request);
      const refusals = startProblems(key, request.body);
      if (refusals.length > 0) {
        throw new GatewayError('forbidden', `API key "${key.name}" may not start this lifecycle`, refusals);
      }
      if (request.query.wait === 'interview') requireInterviewPermission(key);
      const started = await lifecycles.start(request.body, { owner: key.name });
      if (!started.created && !coversLifecycle(key, started)) {
        // The tenancy is part of the id, so only a lifecycle started past the gateway with other
        // search attributes lands here: say that the key is taken, nothing about whose it is.
        throw new GatewayError(
          'business-key-in-use',
          `Business key "${request.body.businessKey}" is already in use; choose another`,
        );
      }
      const id = started.lifecycleId;
      const interview =
        request.query.wait === 'interview' && started.status === 'RUNNING'
          ? await interviewAfterStart(context, id, key, reply)
          : undefined;
      return reply
        .code(started.created ? 201 : 200)
        .header('location', links.assembly(id))
        .send({
          id,
          workItemId: started.workItemId ?? null,
          created: started.created,
          status: started.status,
          links: links.forAssembly(id),
          ...(interview !== undefined && { interview }),
        });
    },
  );

  app.get(
    '/v1/assemblies/:id',
    {
      config: { permission: 'read' },
      schema: {
        operationId: 'getAssembly',
        summary: "A lifecycle's status",
        tags: TAGS,
        security: SECURITY,
        params: assemblyParamsSchema,
        response: { 200: statusResponseSchema, ...errorResponses },
      },
    },
    async (request) => {
      const id = lifecycleId(request.params.id);
      const status = statusFor(apiKeyOf(request), await lifecycles.status(id));
      return { id, ...status, links: links.forAssembly(id) };
    },
  );

  app.get(
    '/v1/assemblies/:id/result',
    {
      config: { permission: 'read' },
      schema: {
        operationId: 'getAssemblyResult',
        summary: 'The outcome of an ended lifecycle',
        description:
          '409 lifecycle-still-running while it runs. With ?wait=true the request is held open until ' +
          'it ends, up to the gateway wait limit (GATEWAY_WAIT_LIMIT), then answers 409 as well.',
        tags: TAGS,
        security: SECURITY,
        params: assemblyParamsSchema,
        querystring: waitQuerySchema,
        response: { 200: resultResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const id = lifecycleId(request.params.id);
      const key = apiKeyOf(request);
      if (request.query.wait !== true)
        return { id, ...resultFor(key, await lifecycles.result(id, { wait: false })) };
      const waited = await withinWaitLimit(lifecycles, reply, waitOptions, () =>
        lifecycles.result(id, { wait: true }),
      );
      if (waited.timedOut) {
        throw new GatewayError(
          'lifecycle-still-running',
          `Lifecycle "${id}" is still running; ask again (the wait is limited to ${config.waitLimitMs} ms)`,
        );
      }
      return { id, ...resultFor(key, waited.value) };
    },
  );
};
