import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LifecycleNotFoundError } from '../client';
import type { GatewayApiKey, Permission } from '../config';
import { presentedApiKey, type ApiKeyRing } from './api-keys';
import type { GatewayContext } from './context';
import { GatewayError } from './errors';
import { lifecycleId } from './routes/route-common';
import { coversEverything, coversLifecycle, hasPermission } from './scopes';

declare module 'fastify' {
  interface FastifyRequest {
    /** The configured name of the API key that authenticated the request; '' when none did. */
    apiKeyName: string;
  }
  interface FastifyContextConfig {
    /** What a route of the business API needs of the caller's key (every such route names one). */
    permission?: Permission;
  }
}

/** The key that authenticated the request, by its name (kept with the request for the checks). */
const authenticatedKeys = new WeakMap<FastifyRequest, GatewayApiKey>();

/**
 * Puts a plugin's routes behind API keys: the key must be one of ours (401), hold the route's
 * permission (403), and reach the lifecycle the route names (404 otherwise, exactly as for a
 * lifecycle that does not exist: a key learns nothing about other tenants' lifecycles). A route
 * that names no permission is refused when it is declared: nothing is open by omission.
 */
export function protectWithApiKeys(app: FastifyInstance, context: GatewayContext): void {
  app.addHook('onRoute', (route) => {
    if (route.config?.permission === undefined)
      throw new Error(`route ${route.method} ${route.url} is behind API keys but names no permission`);
  });
  // Before the key is looked at: a flood without keys runs out of its own address's budget.
  app.addHook('onRequest', context.addressLimit);
  app.addHook('onRequest', authenticate(context.apiKeys));
  app.addHook('preHandler', authorize(context));
}

/**
 * An onRequest hook: the request must carry one of the configured API keys. It runs before the
 * body is read, so an unauthenticated caller cannot make the gateway parse anything. From here on
 * the request's log lines name the key.
 */
function authenticate(keys: ApiKeyRing) {
  return async (request: FastifyRequest): Promise<void> => {
    const presented = presentedApiKey(request.headers);
    const key = presented === undefined ? undefined : keys.identify(presented);
    if (key === undefined) {
      throw new GatewayError(
        'unauthorized',
        presented === undefined
          ? 'An API key is required: Authorization: Bearer <key> or X-API-Key: <key>'
          : 'The API key is not valid',
      );
    }
    request.apiKeyName = key.name;
    authenticatedKeys.set(request, key);
    request.log = request.log.child({ apiKey: key.name });
  };
}

/**
 * A preHandler hook (after validation, so the id is a checked one): the permission first (it does
 * not depend on the lifecycle), then the lifecycle's tenancy and business key, read from its
 * search attributes — one DescribeWorkflowExecution, skipped for keys that reach everything.
 */
function authorize(context: GatewayContext) {
  return async (request: FastifyRequest): Promise<void> => {
    const key = authenticatedKeys.get(request);
    const permission = request.routeOptions.config.permission;
    if (key === undefined || permission === undefined) throw new Error('authorize runs after authenticate');
    if (!hasPermission(key, permission)) {
      throw new GatewayError(
        'forbidden',
        `API key "${key.name}" does not have the permission "${permission}"`,
      );
    }
    const id = (request.params as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'string' || coversEverything(key)) return;
    const description = await context.lifecycles.describe(lifecycleId(id));
    if (!coversLifecycle(key, description)) throw new LifecycleNotFoundError(id);
  };
}

/** The key that authenticated a request of a protected route (the start route checks its input with it). */
export function apiKeyOf(request: FastifyRequest): GatewayApiKey {
  const key = authenticatedKeys.get(request);
  if (key === undefined) throw new Error('the route is not behind API keys');
  return key;
}
