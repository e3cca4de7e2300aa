import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { EmulatorRuntime } from './emulator-runtime';
import { EmulatorHttpError } from './http-error';
import { registerAnswerSetRoutes } from './routes/answer-set-routes';
import { registerAuthRoutes } from './routes/auth-routes';
import { registerCreateAndAssembleRoute } from './routes/create-and-assemble-route';
import { registerControlRoutes } from './routes/control-routes';
import { registerCoreRoutes } from './routes/core-routes';
import { registerDocumentRoutes } from './routes/document-routes';
import { registerInterviewRoutes } from './routes/interview-routes';
import { registerSessionRoutes } from './routes/session-routes';
import { registerVersionRoutes } from './routes/version-routes';
import { registerWorkItemRoutes } from './routes/work-item-routes';

// Answer XML can be large; Advance accepts far more than fastify's 1 MiB default.
const BODY_LIMIT_BYTES = 32 * 1024 * 1024;

/** The fastify app with every route; listening is the caller's business. */
export function buildEmulatorServer(runtime: EmulatorRuntime): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    // Close keep-alive sockets on close(), so tests and CLI shut down promptly.
    forceCloseConnections: true,
    // HEAD would otherwise run GET handlers and show up in counts and the request log.
    exposeHeadRoutes: false,
    // Advance's docs mix `Versions/Active` and `versions/active`: match paths case-insensitively.
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
  });

  // Bodies arrive as text whatever their content type; each endpoint parses JSON itself, so a
  // malformed body is logged, counted and faulted like any other request to that endpoint.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error instanceof EmulatorHttpError ? error.status : (error.statusCode ?? 500);
    if (error instanceof EmulatorHttpError) reply.headers(error.headers);
    if (status >= 500) runtime.log(`internal error: ${error.stack ?? error.message}`);
    return reply.code(status).send({ message: error.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ message: `No route for ${request.method} ${request.url}` }),
  );

  registerAuthRoutes(app, runtime);
  registerWorkItemRoutes(app, runtime);
  registerSessionRoutes(app, runtime);
  registerVersionRoutes(app, runtime);
  registerCreateAndAssembleRoute(app, runtime);
  registerDocumentRoutes(app, runtime);
  registerAnswerSetRoutes(app, runtime);
  registerControlRoutes(app, runtime);
  registerInterviewRoutes(app, runtime);
  registerCoreRoutes(app, runtime);
  return app;
}
