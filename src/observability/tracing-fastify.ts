import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { projectTracer } from './tracing';

/**
 * A SERVER span for every request to a fastify app (the gateway), named by method and route
 * template (`POST /v1/finish/:token`: never the raw URL, which may carry a token), continuing the
 * caller's `traceparent`. The handler runs in the span's context, so the Temporal calls it makes
 * are its children, and the request's log lines carry `trace_id` and `span_id`.
 *
 * Call it right after creating the app: its hooks must run before all others.
 */
export function traceRequests(app: FastifyInstance): void {
  const contexts = new WeakMap<FastifyRequest, Context>();
  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const span = projectTracer().startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': route,
          'url.scheme': request.protocol,
        },
      },
      propagation.extract(ROOT_CONTEXT, request.headers),
    );
    const spanContext = span.spanContext();
    request.log = request.log.child({ trace_id: spanContext.traceId, span_id: spanContext.spanId });
    const active = trace.setSpan(context.active(), span);
    contexts.set(request, active);
    context.with(active, done);
  });
  // Body parsing ends in a socket callback, outside the context above: enter it again.
  app.addHook('preHandler', (request, _reply, done) => {
    const active = contexts.get(request);
    if (active === undefined) done();
    else context.with(active, done);
  });
  const end = (request: FastifyRequest, status: number | undefined): void => {
    const span = trace.getSpan(contexts.get(request) ?? ROOT_CONTEXT);
    if (span === undefined) return;
    contexts.delete(request);
    if (status === undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client went away' });
    else {
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
    }
    span.end();
  };
  app.addHook('onResponse', (request, reply, done) => {
    end(request, reply.statusCode);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    end(request, undefined);
    done();
  });
}
