import type { FastifyRequest } from 'fastify';
import { ApiKeyVerifier, presentedApiKey } from './api-keys';
import { GatewayError } from './errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** The configured name of the API key that authenticated the request; '' when none did. */
    apiKeyName: string;
  }
}

/**
 * An onRequest hook: the request must carry one of the configured API keys. It runs before the
 * body is read, so an unauthenticated caller cannot make the gateway parse anything.
 */
export function requireApiKey(verifier: ApiKeyVerifier) {
  return async (request: FastifyRequest): Promise<void> => {
    const presented = presentedApiKey(request.headers);
    const name = presented === undefined ? undefined : verifier.identify(presented);
    if (name === undefined) {
      throw new GatewayError(
        'unauthorized',
        presented === undefined
          ? 'An API key is required: Authorization: Bearer <key> or X-API-Key: <key>'
          : 'The API key is not valid',
      );
    }
    request.apiKeyName = name;
  };
}
