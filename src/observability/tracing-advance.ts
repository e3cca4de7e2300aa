import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { AdvanceRequestEvent } from '../advance';
import { projectTracer } from './tracing';
import { activityAttributes } from './tracing-activity';

/**
 * One HotDocs Advance HTTP exchange as a CLIENT span, made from the event the Advance client
 * reports when the answer arrives (so src/advance stays free of tracing): method, route template,
 * status, outcome, and the activity attempt it belongs to. Never the token, the answer XML, a
 * document's bytes or a raw path.
 */
export function traceAdvanceRequest(event: AdvanceRequestEvent): void {
  const endTime = Date.now();
  const span = projectTracer().startSpan(`Advance ${event.method} ${event.route}`, {
    kind: SpanKind.CLIENT,
    startTime: endTime - event.durationMs,
    attributes: {
      'http.request.method': event.method,
      'url.template': event.route,
      'hotdocs.advance.operation': event.operation,
      'hotdocs.advance.tenancy': event.tenancy,
      'hotdocs.advance.outcome': event.outcome,
      ...(event.status !== undefined && { 'http.response.status_code': event.status }),
      ...activityAttributes(),
    },
  });
  if (event.outcome !== 'ok')
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: `${event.outcome} (HTTP ${event.status ?? 'none'})`,
    });
  span.end(endTime);
}
