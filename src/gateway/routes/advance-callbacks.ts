import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { CALLBACK_SIGNATURE_HEADER, verifyCallbackSignature } from '../../advance';
import { LifecycleClientError } from '../../client';
import { AdvanceCallbackSigner } from '../../security/advance-callbacks';
import { credentialRateLimit } from '../rate-limits';
import type { GatewayContext } from '../context';
import { GatewayError } from '../errors';

/**
 * `POST /v1/advance-callbacks/{token}`: HotDocs Advance v2.0 posts here when a version is
 * completed (Complete, CreateAndAssemble) or saved. The URL was handed out by the worker, signed
 * with the secret both share; the body is signed with the version's callback secret (the assumed
 * `X-HotDocs-Signature`, src/advance/callback-signature.ts). A callback is only a hint: the
 * lifecycle reads the version's status now instead of at its next poll, so a callback for a
 * lifecycle that has ended, or for a version it is no longer working on, is acknowledged and
 * dropped. The URL is single-use: once the lifecycle has recorded the version's callback, a
 * repeat answers `410 callback-used` and signals nothing. Two repeats racing through two replicas
 * can both signal; the lifecycle acts on the first only.
 */
export const advanceCallbackRoutes: FastifyPluginAsync<{ context: GatewayContext }> = async (
  app,
  { context },
) => {
  const secret = context.config.advanceCallbackSecret;
  // Without the secret the route does not exist (404 like any unknown route).
  if (secret === undefined) return;
  const signer = new AdvanceCallbackSigner(secret);
  // The signature covers the raw body: keep it as text.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );

  // The token is checked first (a constant-time HMAC, no I/O), so that the rate limit counts a
  // valid callback against its version, not against the few addresses Advance posts from.
  const callbacks = credentialRateLimit({
    verify: (request: FastifyRequest<{ Params: { token: string } }>) => signer.verify(request.params.token),
    bucket: (target) => `callback:${target.lifecycleId}:${target.versionId}`,
    credentialPerMinute: context.config.rateLimitPerMinute,
    addressPerMinute: context.config.rateLimitPerMinute,
    credentialExceeded: (max) => `Too many callbacks for this version: at most ${max} a minute`,
  });
  app.post<{ Params: { token: string }; Body: string | undefined }>(
    '/v1/advance-callbacks/:token',
    {
      schema: { hide: true },
      onRequest: callbacks.onRequest,
      config: { rateLimit: callbacks.rateLimit },
    },
    async (request) => {
      const target = callbacks.verified(request);
      if (target === undefined) throw new GatewayError('not-found', 'No such callback');
      const signature = request.headers[CALLBACK_SIGNATURE_HEADER];
      const valid = verifyCallbackSignature(
        request.body ?? '',
        signer.versionSecret(target.versionId),
        typeof signature === 'string' ? signature : undefined,
      );
      if (!valid) throw new GatewayError('unauthorized', 'The callback signature is missing or wrong');
      try {
        // Single use, by the lifecycle's own state (the authority across replicas and restarts).
        const { activeSession } = await context.lifecycles.status(target.lifecycleId, {
          withDeliveries: false,
        });
        if (activeSession?.versionId !== target.versionId) return { received: true, delivered: false };
        if (activeSession.callbackReceivedAt !== undefined) {
          throw new GatewayError(
            'callback-used',
            `This version's callback was already received (${activeSession.callbackReceivedAt})`,
          );
        }
        await context.lifecycles.advanceCallback(target.lifecycleId, target.versionId);
      } catch (error) {
        if (!(error instanceof LifecycleClientError)) throw error;
        if (error.code !== 'lifecycle-closed' && error.code !== 'lifecycle-not-found') throw error;
        return { received: true, delivered: false };
      }
      return { received: true, delivered: true };
    },
  );
};
