import Fastify from 'fastify';
import { buildMetricsServer, GatewayMetrics } from '../../src/observability/gateway-metrics';

/**
 * The gateway's request metrics: counted by route pattern (never the id in the path), method and
 * status code; unknown paths and odd methods fold into one label value each, so that no caller
 * can grow the number of series. Served on a listener of their own.
 */

test('requests are counted by route pattern, method and code; unmatched and odd ones folded', async () => {
  const metrics = new GatewayMetrics();
  const app = Fastify();
  metrics.instrument(app);
  app.get('/v1/assemblies/:id', async (request, reply) =>
    (request.params as { id: string }).id === 'missing' ? reply.code(404).send({}) : { ok: true },
  );
  for (const url of [
    '/v1/assemblies/a',
    '/v1/assemblies/b',
    '/v1/assemblies/missing',
    '/nowhere/1',
    '/nowhere/2',
  ])
    await app.inject({ method: 'GET', url });
  await app.inject({ method: 'PROPFIND' as 'GET', url: '/v1/assemblies/a' }); // a method no route takes

  const served = buildMetricsServer(metrics.registry);
  const text = (await served.inject({ method: 'GET', url: '/metrics' })).body;
  expect(text).toContain(
    'hotdocs_gateway_requests_total{route="/v1/assemblies/:id",method="GET",code="200"} 2',
  );
  expect(text).toContain(
    'hotdocs_gateway_requests_total{route="/v1/assemblies/:id",method="GET",code="404"} 1',
  );
  expect(text).toContain('hotdocs_gateway_requests_total{route="unmatched",method="GET",code="404"} 2');
  expect(text).toMatch(/hotdocs_gateway_requests_total\{route="unmatched",method="other",code="40\d"\} 1/);
  expect(text).toMatch(
    /hotdocs_gateway_request_duration_seconds_count\{route="\/v1\/assemblies\/:id",method="GET"\} 3/,
  );
  expect(text).not.toMatch(/assemblies\/a"|nowhere/);
  await Promise.all([app.close(), served.close()]);
});
