import type { AddressInfo } from 'node:net';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyError, type FastifyInstance, type FastifySchemaCompiler } from 'fastify';
import {
  createJsonSchemaTransform,
  createJsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { LifecycleClient } from '../client';
import type { GatewayConfig } from '../config';
import type { DocumentStore } from '../documents/document-store';
import { createDocumentStore } from '../documents/store-config';
import type { GatewayContext } from './context';
import { GatewayError, toGatewayError } from './errors';
import { FinishLinkSigner } from './finish-links';
import { renderFinishErrorPage, wantsHtml } from './finish-pages';
import { listeningOrigin, PublicLinks } from './links';
import { loggerOptions, type GatewayLogOptions } from './logging';
import { advanceCallbackRoutes } from './routes/advance-callbacks';
import { assemblyRoutes } from './routes/assemblies';
import { documentRoutes } from './routes/documents';
import { interviewRoutes } from './routes/interview';
import { lifecycleMessageRoutes } from './routes/lifecycle-messages';
import { finishRoutes } from './routes/finish';
import { healthRoutes } from './routes/health';
import { gatewaySchemaRegistry } from './schemas';
import { UsedNonces } from './used-nonces';

export interface GatewayOptions {
  lifecycles: LifecycleClient;
  config: GatewayConfig;
  /** JSON log lines (default: info to stdout); false for none. */
  log?: GatewayLogOptions;
  /**
   * Where documents are read; the caller owns (and closes) it.
   * @default the store `config.documentStore` names, closed with the gateway
   */
  documentStore?: DocumentStore;
}

export interface RunningGateway {
  app: FastifyInstance;
  /** Where it listens, e.g. http://127.0.0.1:8080. */
  url: string;
  /** The base of the links it hands out. */
  publicUrl: string;
  /** Stops accepting, answers held-open requests at once, waits for the rest. */
  close(): Promise<void>;
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
}: GatewayOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(log),
    bodyLimit: config.bodyLimitBytes,
    // Long ids and tokens are fine; a megabyte of URL is not.
    routerOptions: { maxParamLength: 1000 },
  });
  app.setValidatorCompiler(absentBodyAsUndefined);
  app.setSerializerCompiler(serializerCompiler);
  // JSON (and form posts on the finish route) only: a text/plain body is a 415, not a string.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('apiKeyName', '');

  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());
  const documents = documentStore ?? createDocumentStore(config.documentStore);
  if (documentStore === undefined) app.addHook('onClose', async () => documents.close());

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const answer = toGatewayError(error);
    // Our own refusals are expected; what is logged is what an operator must look at.
    if (answer.code === 'internal-error') request.log.error({ err: error }, 'request failed unexpectedly');
    else if (answer.code === 'temporal-unavailable' && answer !== error)
      request.log.warn({ err: error }, 'Temporal unavailable');
    if (answer.code === 'unauthorized') void reply.header('www-authenticate', 'Bearer');
    reply.code(answer.statusCode);
    if (request.routeOptions.config.htmlErrors === true && wantsHtml(request)) {
      return reply.type('text/html; charset=utf-8').send(renderFinishErrorPage(answer));
    }
    return reply.send(answer.toBody());
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(new GatewayError('not-found', `No route ${request.method} ${pathOf(request.url)}`).toBody()),
  );

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

  await registerOpenApi(app, config);

  // Registered before the routes: it adds its hook to each route as the route is declared. The
  // hook runs after the API key check (route hooks follow instance hooks), so a key's budget is
  // counted under its name; the finish route, which has no key, is counted per client address.
  await app.register(rateLimit, {
    max: config.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => (request.apiKeyName !== '' ? `key:${request.apiKeyName}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, limit) =>
      new GatewayError(
        'rate-limited',
        `Too many requests: at most ${limit.max} a minute; retry in ${Math.max(1, Math.ceil(limit.ttl / 1000))} s`,
      ),
  });

  const fallbackOrigin = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  const context: GatewayContext = {
    lifecycles,
    config,
    links: new PublicLinks(() => {
      if (config.publicUrl !== undefined) return config.publicUrl;
      const address = app.server.address();
      return address !== null && typeof address === 'object'
        ? listeningOrigin(address as AddressInfo)
        : fallbackOrigin;
    }),
    finishLinks: new FinishLinkSigner(config.finishLinkSecret),
    usedNonces: new UsedNonces(),
    documents,
    closing: closing.signal,
  };
  await app.register(healthRoutes, { context });
  await app.register(assemblyRoutes, { context });
  await app.register(documentRoutes, { context });
  await app.register(interviewRoutes, { context });
  await app.register(lifecycleMessageRoutes, { context });
  await app.register(finishRoutes, { context });
  await app.register(advanceCallbackRoutes, { context });
  app.get('/v1/openapi.json', { config: { rateLimit: false }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  await app.ready();
  return app;
}

/** The OpenAPI document (/v1/openapi.json), generated from the routes' zod schemas. */
async function registerOpenApi(app: FastifyInstance, config: GatewayConfig): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'hotdocs-advance-temporal gateway',
        version: '1',
        description:
          'Durable HotDocs Advance document-assembly lifecycles over HTTP. Errors are always ' +
          '{ "error": { "code", "message", "problems"? } }.',
      },
      ...(config.publicUrl !== undefined && { servers: [{ url: config.publicUrl }] }),
      components: {
        securitySchemes: {
          bearerKey: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
    },
    transform: createJsonSchemaTransform({ schemaRegistry: gatewaySchemaRegistry }),
    transformObject: createJsonSchemaTransformObject({ schemaRegistry: gatewaySchemaRegistry }),
  });
}

/** Builds the gateway and listens on the configured host and port. */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const app = await buildGateway(options);
  await app.listen({ host: options.config.host, port: options.config.port });
  const url = listeningOrigin(app.server.address() as AddressInfo);
  return { app, url, publicUrl: options.config.publicUrl ?? url, close: () => app.close() };
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

function pathOf(url: string): string {
  return url.replace(/[?#].*$/s, '').replace(/\/finish\/[^/]*/gi, '/finish/…');
}
