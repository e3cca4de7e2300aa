import type { SpanContext } from '@opentelemetry/api';
import { createTraceState } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/worker';
import type {
  OpenTelemetrySinks,
  SerializableSpan,
} from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions';
import type { InjectedSinks, WorkerOptions } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { Tracing } from './tracing';

/**
 * What tracing adds to a lifecycle worker: Temporal's activity interceptors (a span per attempt,
 * continuing the workflow's trace; activity log lines carry `trace_id` and `span_id`), the
 * workflow interceptor module, and the sink the workflow's spans leave the sandbox through.
 *
 * The workflow module and the sink are there with tracing off too: whether a lifecycle is traced
 * is decided in its history (tracing-workflow-interceptors.ts), never by a worker's settings, so
 * every worker replays every lifecycle alike. Without tracing, a traced lifecycle's workflow spans
 * are dropped at the sink.
 */

/** The workflow interceptor module; `npm run build` compiles it into the prebuilt bundles too. */
export const TRACING_WORKFLOW_MODULES: readonly string[] = [
  require.resolve('./tracing-workflow-interceptors'),
];

/** The attributes our workflow spans get from the execution they belong to. */
export const WORKFLOW_ID_ATTRIBUTE = 'temporalWorkflowId';
export const RUN_ID_ATTRIBUTE = 'run_id';

export function tracingWorkerOptions(
  tracing: Tracing | undefined,
  workflowCode: Pick<WorkerOptions, 'workflowBundle'> = {},
): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  return {
    interceptors: {
      // A prebuilt bundle has the module compiled in (tools/bundle-workflows.ts); the SDK would
      // only warn that it ignores the option.
      ...(workflowCode.workflowBundle === undefined && { workflowModules: [...TRACING_WORKFLOW_MODULES] }),
      ...(tracing !== undefined && {
        activity: [
          (ctx) => ({
            inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
            outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
          }),
        ],
      }),
    },
    sinks: workflowSpanSinks(tracing),
  };
}

/**
 * The sink Temporal's workflow interceptors export through (not called on replay). Each span gets
 * the workflow id, run id and type — not the whole workflow info, which holds the memo.
 */
export function workflowSpanSinks(tracing: Tracing | undefined): InjectedSinks<OpenTelemetrySinks> {
  return {
    exporter: {
      export: {
        fn: (info, spans) => {
          if (tracing === undefined) return;
          for (const span of spans) tracing.spanProcessor.onEnd(readableSpan(span, info, tracing));
        },
      },
    },
  };
}

function readableSpan(span: SerializableSpan, info: WorkflowInfo, tracing: Tracing): ReadableSpan {
  const { spanContext: serialized, attributes, ...rest } = span;
  const { traceState, ...ids } = serialized;
  const spanContext: SpanContext = {
    ...ids,
    ...(traceState !== undefined && { traceState: createTraceState(traceState) }),
  };
  return {
    ...rest,
    spanContext: () => spanContext,
    resource: tracing.resource,
    attributes: {
      ...attributes,
      [WORKFLOW_ID_ATTRIBUTE]: info.workflowId,
      [RUN_ID_ATTRIBUTE]: info.runId,
      temporalWorkflowType: info.workflowType,
    },
  };
}
