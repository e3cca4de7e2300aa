import { setMaxListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifySchemaCompiler,
  type FastifyServerOptions,
} from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { LifecycleClient } from '../client';
import type { GatewayConfig } from '../config';
import type { DocumentStore } from '../documents/document-store';
import { createDocumentStore } from '../documents/create-store';
import { buildMetricsServer, GatewayMetrics } from '../observability/gateway-metrics';
import { ApiKeyRing, unscopedKeyWarnings } from './api-keys';
import type { GatewayContext } from './context';
import { GatewayError, toGatewayError } from './errors';
import { FinishLinkSigner } from './finish-links';
import { renderFinishErrorPage, wantsHtml } from './finish-pages';
import { answerClientError, answerFrameworkError, answerUnmatched, RouteTable } from './framework-answers';
import { ApiKeyFileReloader } from './key-reload';
import { listeningOrigin, PublicLinks } from './links';
import { GatewayLogController, loggerOptions, type GatewayLogOptions } from './logging';
import { tracedDocumentStore } from '../observability/tracing-documents';
import { traceRequests } from '../observability/tracing-fastify';
import { openApiOptions } from './openapi';
import { advanceCallbackRoutes } from './routes/advance-callbacks';
import { advanceWebhookRoutes } from './routes/advance-webhooks';
import { assemblyRoutes } from './routes/assemblies';
import { bulkRepairRoutes } from './routes/bulk-repairs';
import { documentRoutes } from './routes/documents';
import { interviewRoutes } from './routes/interview';
import { lifecycleMessageRoutes } from './routes/lifecycle-messages';
import { finishRoutes } from './routes/finish';
import { healthRoutes } from './routes/health';
import { repairRoutes } from './routes/repair';
import { UsedNonces } from './used-nonces';
import { InterviewWaits } from './interview-waits';
import { addressBucket, addressLimit, RATE_WINDOW_MS, tooManyRequests } from './rate-limits';

export interface GatewayOptions {
  lifecycles: LifecycleClient;
  config: GatewayConfig;
  /** JSON log lines (default: info to stdout); false for none. */
  log?: GatewayLogOptions;
  /**
   * Where the documents the gateway serves are read (tests hand in one they inspect).
   * @default the store `config.documentStore` names, closed with the gateway
   */
  documentStore?: DocumentStore;
  /** Counts every answered request. @default none (startGateway makes one when `config.metrics` is set) */
  metrics?: GatewayMetrics;
  /** A span for every request (the process has started tracing). @default false */
  tracing?: boolean;
}

export interface RunningGateway {
  app: FastifyInstance;
  /** Where it listens, e.g. http://127.0.0.1:8080. */
  url: string;
  /** The base of the links it hands out. */
  publicUrl: string;
  /** Where `/metrics` is served (`GATEWAY_METRICS_PORT`); undefined when off. */
  metricsUrl?: string;
  /** Re-reads GATEWAY_API_KEYS_FILE (as on SIGHUP); false when it has problems and the old keys stay. */
  reloadApiKeys(): boolean;
  /** Interview waits held now, and the `interviewReady` updates in flight for them (one per lifecycle). */
  interviewWaitCounts(): { waiting: number; inFlight: number };
  /** Stops accepting, answers held-open requests at once, waits for the rest. */
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Re-reads GATEWAY_API_KEYS_FILE now; false when there is none or it has problems. */
    reloadApiKeys(): boolean;
    /** Interview waits held now, and `interviewReady` updates in flight for them. */
    interviewWaitCounts(): { waiting: number; inFlight: number };
  }
}

/**
 * The HTTP gateway as a fastify app, ready to `listen` or `inject`: the REST API over lifecycles
 * (API key, rate limit, schema validation), the interview's finish link, health and the OpenAPI
 * document. It talks to Temporal only through `lifecycles`; the caller owns that client.
 */
export async function buildGateway({
  lifecycles,
  config,
  log,
  documentStore,
  metrics,
  tracing = false,
}: GatewayOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(log),
    // One line per request, when it is answered, naming the key.
    logController: new GatewayLogController(),
    bodyLimit: config.bodyLimitBytes,
    // Long ids and tokens are fine; a megabyte of URL is not. Above the longest value the schemas
    // take (a token: 1000), so that a slightly long one is a 400 naming the field, not a 414.
    routerOptions: { maxParamLength: 2048 },
    trustProxy: trustProxyOption(config),
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    // Our own answer (below), in our error shape, instead of fastify's.
    return503OnClosing: false,
  });
  if (tracing) traceRequests(app);
  app.setValidatorCompiler(absentBodyAsUndefined);
  app.setSerializerCompiler(serializerCompiler);
  // JSON (and form posts on the finish route) only: a text/plain body is a 415, not a string.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('apiKeyName', '');
  metrics?.instrument(app);

  const closing = new AbortController();
  // Every held-open request listens to it: hundreds at once are expected, not a leak.
  setMaxListeners(0, closing.signal);
  app.addHook('preClose', async () => closing.abort());
  const documents = gatewayDocumentStore(app, config, documentStore, tracing);
  app.addHook('onRequest', async () => {
    if (closing.signal.aborted)
      throw new GatewayError('shutting-down', 'The gateway is shutting down; try again');
  });
  const routes = new RouteTable();
  app.addHook('onRoute', (route) => routes.add(route));
  // An unmatched request is answered before its body is parsed: a method such as QUERY would
  // otherwise fail on its missing content type (400) instead of being told it is not allowed.
  const unmatched = answerUnmatched(routes);
  app.addHook('onRequest', async (request, reply) => {
    if (request.is404) return unmatched(request, reply);
    return undefined;
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const answer = toGatewayError(error);
    // Our own refusals are expected; what is logged is what an operator must look at.
    if (answer.code === 'internal-error') request.log.error({ err: error }, 'request failed unexpectedly');
    else if (
      (answer.code === 'temporal-unavailable' || answer.code === 'worker-unavailable') &&
      answer !== error
    )
      request.log.warn({ err: error }, answer.message);
    if (answer.code === 'unauthorized') void reply.header('www-authenticate', 'Bearer');
    reply.code(answer.statusCode);
    if (request.routeOptions.config.htmlErrors === true && wantsHtml(request)) {
      return reply.type('text/html; charset=utf-8').send(renderFinishErrorPage(answer));
    }
    return reply.send(answer.toBody());
  });
  app.setNotFoundHandler(unmatched);

  if (config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: config.corsOrigins,
      methods: ['GET', 'POST'],
      // Range and the conditional headers: a browser script can resume and revalidate downloads.
      allowedHeaders: ['authorization', 'x-api-key', 'content-type', 'range', 'if-range', 'if-none-match'],
      exposedHeaders: [
        'content-disposition',
        'content-range',
        'accept-ranges',
        'etag',
        'location',
        'retry-after',
        'x-ratelimit-limit',
        'x-ratelimit-remaining',
        'x-ratelimit-reset',
      ],
    });
  }

  await app.register(swagger, openApiOptions(config));

  // Registered before the routes: it adds its hook to each route as the route is declared. The
  // hook runs after the API key check (route hooks follow instance hooks), so a key's budget is
  // counted under its name. The routes behind keys are also limited per address before the key
  // is looked at (context.addressLimit), and the routes whose URL is their credential count per
  // credential (their own rateLimit config): rate-limits.ts.
  await app.register(rateLimit, {
    max: config.rateLimitPerMinute,
    timeWindow: RATE_WINDOW_MS,
    keyGenerator: (request) =>
      request.apiKeyName !== '' ? `key:${request.apiKeyName}` : addressBucket(request),
    errorResponseBuilder: (_request, limit) =>
      tooManyRequests(`Too many requests: at most ${limit.max} a minute`, Math.ceil(limit.ttl / 1000)),
  });

  const context = gatewayContext(app, lifecycles, config, closing.signal, documents);
  watchApiKeys(app, context);
  app.decorate('interviewWaitCounts', () => context.interviewWaits.counts);
  await registerRoutes(app, context);
  await app.ready();
  return app;
}

/** Every route family, and the OpenAPI document that describes them. */
async function registerRoutes(app: FastifyInstance, context: GatewayContext): Promise<void> {
  for (const routes of [
    healthRoutes,
    assemblyRoutes,
    documentRoutes,
    interviewRoutes,
    lifecycleMessageRoutes,
    repairRoutes,
    bulkRepairRoutes,
    finishRoutes,
    advanceCallbackRoutes,
    advanceWebhookRoutes,
  ]) {
    await app.register(routes, { context });
  }
  app.get('/v1/openapi.json', { config: { rateLimit: false }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
}

/** The store documents are served from: the configured one (closed with the app) unless one is handed in. */
function gatewayDocumentStore(
  app: FastifyInstance,
  config: GatewayConfig,
  handedIn: DocumentStore | undefined,
  tracing: boolean,
): DocumentStore {
  const store = handedIn ?? createDocumentStore(config.documentStore);
  if (handedIn === undefined) app.addHook('onClose', async () => store.close());
  return tracing ? tracedDocumentStore(store) : store;
}

function gatewayContext(
  app: FastifyInstance,
  lifecycles: LifecycleClient,
  config: GatewayConfig,
  closing: AbortSignal,
  documents: DocumentStore,
): GatewayContext {
  const fallbackOrigin = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  return {
    lifecycles,
    config,
    apiKeys: new ApiKeyRing(config.apiKeys),
    links: new PublicLinks(() => {
      if (config.publicUrl !== undefined) return config.publicUrl;
      const address = app.server.address();
      return address !== null && typeof address === 'object'
        ? listeningOrigin(address as AddressInfo)
        : fallbackOrigin;
    }),
    finishLinks: new FinishLinkSigner(config.finishLinkSecret),
    usedNonces: new UsedNonces(),
    interviewWaits: new InterviewWaits(lifecycles, {
      perOwner: config.waitCaps.perApiKey,
      total: config.waitCaps.total,
    }),
    addressLimit: addressLimit(app, config.addressRateLimitPerMinute),
    documents,
    closing,
  };
}

/** Warns about unscoped keys; re-reads the key file when it changes and on `reloadApiKeys()`. */
function watchApiKeys(app: FastifyInstance, context: GatewayContext): void {
  for (const warning of unscopedKeyWarnings(context.apiKeys.keys())) app.log.warn(warning);
  const file = context.config.apiKeysFile;
  if (file === undefined) {
    app.decorate('reloadApiKeys', () => false);
    return;
  }
  const reloader = new ApiKeyFileReloader(file, context.apiKeys, app.log);
  reloader.watch();
  app.addHook('onClose', async () => reloader.close());
  app.decorate('reloadApiKeys', () => reloader.reload('asked to (SIGHUP)'));
}

/**
 * GATEWAY_TRUST_PROXY as fastify takes it. A hop count is given as a function: fastify itself
 * ignores a plain number (it cannot tell a proxy from a client that adds its own header), and the
 * operator who chose hops has said that only proxies can reach the gateway.
 */
function trustProxyOption(config: GatewayConfig): FastifyServerOptions['trustProxy'] {
  const trust = config.trustProxy;
  if (trust === undefined) return false;
  if ('hops' in trust) return (_address: string, hop: number) => hop < trust.hops;
  return trust.addresses;
}

/** Builds the gateway and listens on the configured host and port (and the metrics port, if set). */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const listener = options.config.metrics;
  const metrics = options.metrics ?? (listener === undefined ? undefined : new GatewayMetrics());
  const metricsServer =
    listener === undefined || metrics === undefined ? undefined : buildMetricsServer(metrics.registry);
  const app = await buildGateway({ ...options, metrics });
  try {
    await app.listen({ host: options.config.host, port: options.config.port });
    if (metricsServer !== undefined) await metricsServer.listen(listener);
  } catch (error) {
    await Promise.all([app.close(), metricsServer?.close()]);
    throw error;
  }
  const url = listeningOrigin(app.server.address() as AddressInfo);
  return {
    app,
    url,
    publicUrl: options.config.publicUrl ?? url,
    ...(metricsServer !== undefined && {
      metricsUrl: `${listeningOrigin(metricsServer.server.address() as AddressInfo)}/metrics`,
    }),
    reloadApiKeys: () => app.reloadApiKeys(),
    interviewWaitCounts: () => app.interviewWaitCounts(),
    close: async () => {
      await app.close();
      await metricsServer?.close();
    },
  };
}

/**
 * fastify hands a missing body to the validator as `null`; the schemas say "optional" (a
 * follow-up or a finish post may come without one), so it is passed on as `undefined`.
 */
const absentBodyAsUndefined: FastifySchemaCompiler<Parameters<typeof validatorCompiler>[0]['schema']> = (
  route,
) => {
  const validate = validatorCompiler(route);
  return route.httpPart === 'body' ? (data: unknown) => validate(data === null ? undefined : data) : validate;
};
