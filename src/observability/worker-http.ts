import type { Worker } from '@temporalio/worker';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import type { LifecycleMetrics } from './metrics';

export interface WorkerHttpOptions {
  /** The worker once it exists: the endpoints start before it, so that a taken port fails fast. */
  worker: () => Worker | undefined;
  metrics: LifecycleMetrics;
  /** The Temporal SDK's own Prometheus endpoint (core runtime metrics), appended to ours. */
  sdkMetricsUrl?: string;
}

/**
 * The worker's operational endpoints: `/healthz` (the process answers), `/readyz` (the worker is
 * polling Temporal) and `/metrics` (ours and the SDK's, one scrape target).
 */
export function buildWorkerHttp(options: WorkerHttpOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const state = options.worker()?.getState() ?? 'STARTING';
    return reply.code(state === 'RUNNING' ? 200 : 503).send({ status: state.toLowerCase() });
  });
  app.get('/metrics', async (_request, reply) => {
    const ours = await options.metrics.registry.metrics();
    const sdk = options.sdkMetricsUrl === undefined ? '' : await fetchText(options.sdkMetricsUrl);
    return reply.type(options.metrics.registry.contentType).send(`${ours}\n${sdk}`);
  });
  return app;
}

async function fetchText(url: string): Promise<string> {
  try {
    const response = await request(url, { headersTimeout: 2_000, bodyTimeout: 2_000 });
    return await response.body.text();
  } catch {
    // Our metrics stay available even if the SDK's endpoint is not (yet) up.
    return '# Temporal SDK metrics unavailable\n';
  }
}
