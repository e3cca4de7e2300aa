import { isLifecycleId } from '../../client';
import { GatewayError } from '../errors';
import type { OpenApiTag } from '../openapi';

/** Every lifecycle route needs an API key; either header works. */
export const SECURITY: { [scheme: string]: string[] }[] = [{ bearerKey: [] }, { apiKeyHeader: [] }];
/** The OpenAPI tag of the lifecycle routes; the interview, documents and health have their own (openapi.ts). */
export const TAGS: OpenApiTag[] = ['assemblies'];

/**
 * Only lifecycle workflows are reachable through the gateway: an id that the lifecycle client
 * could not have made is unknown here, whatever else runs in the namespace.
 */
export function lifecycleId(id: string): string {
  if (!isLifecycleId(id)) throw new GatewayError('lifecycle-not-found', `No lifecycle with id "${id}"`);
  return id;
}
