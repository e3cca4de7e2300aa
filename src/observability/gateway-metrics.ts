import Fastify, { type FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';

/** Methods counted by name; anything else (an unmatched QUERY, say) is `other`, to bound the labels. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The gateway's Prometheus metrics: every answered request by route (the route's pattern, such
 * as `/v1/assemblies/:id`, never the id; `unmatched` for unknown paths), method and status code,
 * and how long it took.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'method' | 'code'>;
  private readonly durations: Histogram<'route' | 'method'>;

  constructor() {
    this.requests = new Counter({
      name: 'hotdocs_gateway_requests_total',
      help: 'HTTP requests the gateway answered, by route pattern, method and status code',
      labelNames: ['route', 'method', 'code'],
      registers: [this.registry],
    });
    this.durations = new Histogram({
      name: 'hotdocs_gateway_request_duration_seconds',
      help: 'How long the gateway took to answer, by route pattern and method',
      labelNames: ['route', 'method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
  }

  /** Counts every request `app` answers (an `onResponse` hook). */
  instrument(app: FastifyInstance): void {
    app.addHook('onResponse', async (request, reply) => {
      const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
      const method = METHODS.has(request.method) ? request.method : 'other';
      this.requests.inc({ route, method, code: String(reply.statusCode) });
      this.durations.observe({ route, method }, reply.elapsedTime / 1000);
    });
  }
}

/**
 * `/metrics` on a listener of its own (`GATEWAY_METRICS_PORT`): the gateway's API port faces
 * business systems and browsers, the metrics port only the scraper.
 */
export function buildMetricsServer(registry: Registry): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
  return app;
}
