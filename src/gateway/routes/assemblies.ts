import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { LifecycleClientError, type LifecycleClient, type LifecycleStatus } from '../../client';
import { ApiKeyVerifier } from '../api-keys';
import { requireApiKey } from '../auth';
import type { GatewayContext } from '../context';
import { GatewayError } from '../errors';
import {
  assemblyCreatedSchema,
  assemblyParamsSchema,
  assemblyRequestSchema,
  begunSessionSchema,
  cancelRequestedSchema,
  errorResponses,
  finishRequestedSchema,
  followUpBodySchema,
  interviewResponseSchema,
  queuedSchema,
  resultResponseSchema,
  statusResponseSchema,
  waitQuerySchema,
} from '../schemas';
import { withinWaitLimit } from '../wait-limit';

/** Every route here needs an API key; either header works. */
const SECURITY: { [scheme: string]: string[] }[] = [{ bearerKey: [] }, { apiKeyHeader: [] }];
const TAGS = ['assemblies'];

/**
 * The REST API over lifecycles: start (idempotent by business key), status, result, the
 * interview with its signed finish link, follow-ups, finish and cancel. Each is one
 * LifecycleClient call; the client's typed errors become the gateway's error answers.
 */
export const assemblyRoutes: FastifyPluginAsyncZod<{ context: GatewayContext }> = async (
  app,
  { context },
) => {
  const { lifecycles, links, config } = context;
  const waitOptions = { limitMs: config.waitLimitMs, closing: context.closing };
  app.addHook('onRequest', requireApiKey(new ApiKeyVerifier(config.apiKeys)));

  app.post(
    '/v1/assemblies',
    {
      schema: {
        summary: 'Start an assembly lifecycle (idempotent by businessKey)',
        description:
          '201 when this call started it; 200 with created: false when a lifecycle with this ' +
          'businessKey already exists (the body of a repeat is not compared with the first).',
        tags: TAGS,
        security: SECURITY,
        body: assemblyRequestSchema,
        response: { 200: assemblyCreatedSchema, 201: assemblyCreatedSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const started = await lifecycles.start(request.body);
      const id = started.lifecycleId;
      return reply
        .code(started.created ? 201 : 200)
        .header('location', links.assembly(id))
        .send({
          id,
          workItemId: started.workItemId ?? null,
          created: started.created,
          status: started.status,
          links: links.forAssembly(id),
        });
    },
  );

  app.get(
    '/v1/assemblies/:id',
    {
      schema: {
        summary: "A lifecycle's status",
        tags: TAGS,
        security: SECURITY,
        params: assemblyParamsSchema,
        response: { 200: statusResponseSchema, ...errorResponses },
      },
    },
    async (request) => {
      const id = lifecycleId(request.params.id);
      const status = await lifecycles.status(id);
      return { id, ...status, links: links.forAssembly(id) };
    },
  );

  app.get(
    '/v1/assemblies/:id/result',
    {
      schema: {
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
      if (request.query.wait !== 'true') return { id, ...(await lifecycles.result(id, { wait: false })) };
      const waited = await withinWaitLimit(lifecycles, reply, waitOptions, () =>
        lifecycles.result(id, { wait: true }),
      );
      if (waited.timedOut) {
        throw new GatewayError(
          'lifecycle-still-running',
          `Lifecycle "${id}" is still running; ask again (the wait is limited to ${config.waitLimitMs} ms)`,
        );
      }
      return { id, ...waited.value };
    },
  );

  app.get(
    '/v1/assemblies/:id/interview',
    {
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

  app.post(
    '/v1/assemblies/:id/follow-ups',
    {
      schema: {
        summary: 'Ask for a follow-up session',
        description:
          'It begins once the active session is completed. Without wait: 202, queued. With ' +
          '?wait=true: 200 with the begun session; 504 wait-timeout when it has not begun within the ' +
          'wait limit (the request may still be queued: check queuedFollowUps before asking again).',
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
      if (request.query.wait !== 'true') {
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
      schema: {
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
      schema: {
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
 * Only lifecycle workflows are reachable through the gateway: an id that the lifecycle client
 * could not have made is unknown here, whatever else runs in the namespace.
 */
function lifecycleId(id: string): string {
  if (!id.startsWith('assembly-'))
    throw new GatewayError('lifecycle-not-found', `No lifecycle with id "${id}"`);
  return id;
}

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
