import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { LifecycleClientError, type LifecycleClient } from '../../client';
import { protectWithApiKeys } from '../auth';
import type { GatewayContext } from '../context';
import { GatewayError } from '../errors';
import {
  assemblyParamsSchema,
  begunSessionSchema,
  cancelRequestedSchema,
  errorResponses,
  finishRequestedSchema,
  followUpBodySchema,
  queuedSchema,
  waitQuerySchema,
} from '../schemas';
import { withinWaitLimit } from '../wait-limit';
import { lifecycleId, SECURITY, TAGS } from './route-common';

/** Messages to a running lifecycle: follow-up sessions, finish and cancel. */
export const lifecycleMessageRoutes: FastifyPluginAsyncZod<{ context: GatewayContext }> = async (
  app,
  { context },
) => {
  const { lifecycles, config } = context;
  const waitOptions = { limitMs: config.waitLimitMs, closing: context.closing };
  protectWithApiKeys(app, context);

  app.post(
    '/v1/assemblies/:id/follow-ups',
    {
      config: { permission: 'follow-up' },
      schema: {
        operationId: 'requestFollowUp',
        summary: 'Ask for a follow-up session',
        description:
          'It begins once the active session is completed. Without wait: 202, queued. With ' +
          '?wait=true: 200 with the begun session; 409 wait-timeout when it has not begun within the ' +
          'wait limit (the active session is still open; the request may still be queued: check ' +
          'queuedFollowUps before asking again).',
        tags: TAGS,
        security: SECURITY,
        params: assemblyParamsSchema,
        querystring: waitQuerySchema,
        body: followUpBodySchema,
        response: { 200: begunSessionSchema, 202: queuedSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const id = lifecycleId(request.params.id);
      const followUp = request.body ?? {};
      if (request.query.wait !== true) {
        await lifecycles.requestFollowUp(id, followUp);
        return reply.code(202).send({ id, queued: true as const });
      }
      const waited = await withinWaitLimit(lifecycles, reply, waitOptions, () =>
        lifecycles.beginFollowUp(id, followUp),
      );
      if (waited.timedOut) {
        throw new GatewayError(
          'wait-timeout',
          `The follow-up session of "${id}" has not begun within ${config.waitLimitMs} ms. It may still ` +
            'be queued: check queuedFollowUps in the status before asking again.',
        );
      }
      return reply.code(200).send({ id, ...waited.value });
    },
  );

  app.post(
    '/v1/assemblies/:id/finish',
    {
      config: { permission: 'finish' },
      schema: {
        operationId: 'finishAssembly',
        summary: 'Close the lifecycle once no session is active (queued follow-ups still run)',
        tags: TAGS,
        security: SECURITY,
        params: assemblyParamsSchema,
        response: { 202: finishRequestedSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const id = lifecycleId(request.params.id);
      await lifecycles.finish(id);
      return reply.code(202).send({ id, finishRequested: true as const });
    },
  );

  app.post(
    '/v1/assemblies/:id/cancel',
    {
      config: { permission: 'cancel' },
      schema: {
        operationId: 'cancelAssembly',
        summary: 'Cancel the lifecycle; an active session is saved in Advance first',
        tags: TAGS,
        security: SECURITY,
        params: assemblyParamsSchema,
        response: { 202: cancelRequestedSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const id = lifecycleId(request.params.id);
      await refuseWhenEnded(lifecycles, id);
      await lifecycles.cancel(id);
      return reply.code(202).send({ id, cancelRequested: true as const });
    },
  );
};

/**
 * Temporal accepts a cancel request for an execution that has already closed and does nothing;
 * answering "cancel requested" to that would mislead, so an ended lifecycle is a 409 like any
 * other message to it. (A lifecycle that ends between this check and the cancel gets a no-op.)
 */
async function refuseWhenEnded(lifecycles: LifecycleClient, id: string): Promise<void> {
  try {
    await lifecycles.result(id, { wait: false });
  } catch (error) {
    if (!(error instanceof LifecycleClientError)) throw error;
    if (error.code === 'lifecycle-still-running') return;
    if (error.code !== 'lifecycle-failed') throw error;
  }
  throw new GatewayError('lifecycle-closed', `Lifecycle "${id}" has already ended`);
}
