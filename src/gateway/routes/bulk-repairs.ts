import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { repairInBulk, type BulkRepairOptions, type ListedLifecycle } from '../../client';
import type { GatewayApiKey } from '../../config';
import { BUSINESS_KEY, TENANCY } from '../../workflows/search-attributes';
import { apiKeyOf, protectWithApiKeys } from '../auth';
import type { GatewayContext } from '../context';
import { bulkRepairRequestSchema, bulkRepairSummarySchema, errorResponses } from '../schemas';
import { coversEverything, coversLifecycle } from '../scopes';
import { SECURITY, TAGS } from './route-common';

/**
 * `POST /v1/repairs`: the same repair for every lifecycle in `needs-attention` a visibility query
 * matches (after Advance had a bad hour), for `admin` keys. Scoped like every route: the key's
 * tenancies and business-key prefixes are ANDed to the query (so that counts stay in scope too),
 * and each match is held against the key's scope before it is repaired, so a key never lists or
 * repairs a lifecycle it could not reach one by one.
 */
export const bulkRepairRoutes: FastifyPluginAsyncZod<{ context: GatewayContext }> = async (
  app,
  { context },
) => {
  const { lifecycles } = context;
  protectWithApiKeys(app, context);

  app.post(
    '/v1/repairs',
    {
      config: { permission: 'admin' },
      schema: {
        operationId: 'repairAssemblies',
        summary: 'Repair every lifecycle in needs-attention that a visibility query matches',
        description:
          'Needs the permission admin. Lists the running lifecycles in needs-attention on the ' +
          "gateway's task queue that the query matches within the key's scope, and sends each the " +
          'repair (retry or abandon) at `rate` a ' +
          'second, recording the API key name and the note; answers once every repair was taken or ' +
          'refused. dryRun lists them and changes nothing. More matches than `limit` (default 100): ' +
          '409 too-many-matches, unless confirm. 400 validation-failed when Temporal refuses the query.',
        tags: TAGS,
        security: SECURITY,
        body: bulkRepairRequestSchema,
        response: { 200: bulkRepairSummarySchema, ...errorResponses },
      },
    },
    async (request) => {
      const { query, action, note, dryRun, limit, confirm, rate } = request.body;
      const summary = await repairInBulk(
        lifecycles,
        {
          query,
          action,
          by: request.apiKeyName,
          ...(note !== undefined && { note }),
          ...(dryRun !== undefined && { dryRun }),
          ...(limit !== undefined && { limit }),
          ...(confirm !== undefined && { confirmed: confirm }),
          ...(rate !== undefined && { ratePerSecond: rate }),
        },
        { scope: scopeOf(apiKeyOf(request)), signal: context.closing },
      );
      request.log.info(
        {
          query: summary.query,
          action,
          dryRun: summary.dryRun,
          matched: summary.matched,
          repaired: summary.repaired,
          refused: summary.refused,
          failed: summary.failed,
        },
        'bulk repair',
      );
      return summary;
    },
  );
};

/**
 * The key's scope as query clauses (tenancies, business-key prefixes), so that what it lists and
 * counts is in its scope, and as the check of each match. Tenancy names and prefixes are checked
 * when the key is configured: letters, digits and . _ : @ / - only, never a quote.
 */
function scopeOf(key: GatewayApiKey): BulkRepairOptions['scope'] {
  if (coversEverything(key) || key.scope === undefined) return undefined;
  const { tenancies, businessKeyPrefixes } = key.scope;
  const clauses = [
    ...(tenancies === '*' ? [] : [`${TENANCY.name} IN (${tenancies.map((t) => `'${t}'`).join(', ')})`]),
    ...(businessKeyPrefixes === undefined
      ? []
      : [`(${businessKeyPrefixes.map((p) => `${BUSINESS_KEY.name} STARTS_WITH '${p}'`).join(' OR ')})`]),
  ];
  return {
    ...(clauses.length > 0 && { query: clauses.join(' AND ') }),
    covers: (lifecycle: ListedLifecycle) => coversLifecycle(key, lifecycle),
  };
}
