import formbody from '@fastify/formbody';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { LifecycleInputError } from '../../client';
import { verifyAdvanceWebhook } from '../../security/advance-webhooks';
import { isStatusEvent, readAdvanceWebhookPost, type AdvanceWebhookPost } from '../advance-webhook-payload';
import type { GatewayContext } from '../context';
import { GatewayError } from '../errors';
import { credentialRateLimit } from '../rate-limits';

/**
 * `POST /v1/advance-webhooks`: HotDocs Advance's own webhooks (its "Create a Webhook"
 * configuration, account-wide, not a call's callback). A post for a work item one of our
 * lifecycles runs tells that lifecycle to read its version's status now — the payload never says
 * the outcome. A post Advance could only repeat in vain (an unknown work item, an ended lifecycle,
 * an event we do not act on, fields we cannot read) is acknowledged with `200` and logged, so
 * Advance does not retry it for ever; only a missing or wrong credential is refused (`401`).
 */
export const advanceWebhookRoutes: FastifyPluginAsync<{ context: GatewayContext }> = async (
  app,
  { context },
) => {
  const credentials = context.config.advanceWebhook;
  // Unconfigured, the route does not exist (404 like any unknown route).
  if (credentials === undefined) return;
  await app.register(formbody);

  // The HMAC `token` is in the body: the credential is checked once the body is parsed, and the
  // rate limit runs after it, counting a verified post against its work item (Advance posts all
  // work items from a few addresses) and anything else against its address.
  const posts = credentialRateLimit({
    verify: (request: FastifyRequest): AdvanceWebhookPost | undefined => {
      const post = readAdvanceWebhookPost(request.body);
      const authorization = request.headers.authorization;
      const verified = verifyAdvanceWebhook(credentials, {
        ...(typeof authorization === 'string' && { authorization }),
        ...post,
      });
      return verified ? post : undefined;
    },
    bucket: (post) => `advance-webhook:${(post.workItemId ?? '').toLowerCase()}`,
    credentialPerMinute: context.config.rateLimitPerMinute,
    addressPerMinute: context.config.rateLimitPerMinute,
    credentialExceeded: (max) => `Too many webhooks for this work item: at most ${max} a minute`,
  });
  app.post(
    '/v1/advance-webhooks',
    {
      schema: { hide: true },
      preHandler: posts.onRequest,
      config: { rateLimit: { ...posts.rateLimit, hook: 'preHandler' } },
    },
    async (request) => {
      const post = posts.verified(request);
      if (post === undefined) {
        throw new GatewayError('unauthorized', "The webhook's credential is missing or wrong");
      }
      const { event, workItemId } = post;
      const about = { event, workItemId, versionId: post.versionId };
      if (!isStatusEvent(event)) {
        request.log.info(about, 'Advance webhook acknowledged: an event the lifecycles do not act on');
        return { received: true, delivered: false };
      }
      const unreadable = () => {
        request.log.warn(about, 'Advance webhook acknowledged: no work item id could be read from it');
        return { received: true, delivered: false };
      };
      if (workItemId === undefined) return unreadable();
      let told: string[];
      try {
        told = await context.lifecycles.advanceWebhook(workItemId, event ?? '');
      } catch (error) {
        if (error instanceof LifecycleInputError) return unreadable();
        throw error;
      }
      if (told.length === 0) {
        request.log.info(about, 'Advance webhook acknowledged: no running lifecycle has this work item');
      } else {
        request.log.info(
          { ...about, lifecycleIds: told },
          'Advance webhook: the lifecycle reads its status now',
        );
      }
      return { received: true, delivered: told.length > 0 };
    },
  );
};
