import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import type { ClientInterceptors } from '@temporalio/client';
import type { Tracing } from './tracing';

/**
 * Temporal's client interceptor when tracing is on: starts, signals, updates, queries and
 * describes become spans, and their trace context travels in the message's headers, where the
 * workflow's interceptors continue it.
 */
export function tracingClientInterceptors(tracing: Tracing | undefined): ClientInterceptors | undefined {
  if (tracing === undefined) return undefined;
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}
