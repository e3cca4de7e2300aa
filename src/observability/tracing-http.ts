import { context, propagation, SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { endingSpan, projectTracer } from './tracing';
import { activityAttributes } from './tracing-activity';

/**
 * An outgoing HTTP exchange in a CLIENT span, with the W3C `traceparent` (and `tracestate`)
 * headers to send, so the receiver can continue the trace. Without tracing the span records
 * nothing and no header is added. The span names the host, never the URL (it may carry a token).
 */
export async function withClientSpan<T>(
  name: string,
  attributes: Attributes,
  exchange: (traceHeaders: Record<string, string>) => Promise<T>,
  statusOf: (result: T) => number,
): Promise<T> {
  return projectTracer().startActiveSpan(
    name,
    { kind: SpanKind.CLIENT, attributes: { ...activityAttributes(), ...attributes } },
    async (span) => {
      const traceHeaders: Record<string, string> = {};
      propagation.inject(context.active(), traceHeaders);
      return endingSpan(span, async () => {
        const result = await exchange(traceHeaders);
        const status = statusOf(result);
        span.setAttribute('http.response.status_code', status);
        if (status >= 400) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
        return result;
      });
    },
  );
}

/** `server.address` and `server.port` of a URL, for a span; nothing when it does not parse. */
export function serverAttributes(url: string): Attributes {
  try {
    const { hostname, port, protocol } = new URL(url);
    return {
      'server.address': hostname,
      'server.port': Number(port || (protocol === 'https:' ? 443 : 80)),
    };
  } catch {
    return {};
  }
}
