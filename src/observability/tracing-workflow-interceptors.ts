/**
 * Workflow interceptors for OpenTelemetry, compiled into every workflow bundle (traced or not, so
 * a worker's tracing settings never change what a lifecycle does on replay). Temporal's own
 * interceptors (`@temporalio/interceptors-opentelemetry`) make the spans; this module decides, per
 * lifecycle and deterministically, whether they run, and where the work after a message belongs:
 *
 * - A lifecycle is traced from the first message (its start, a signal, an update) that carries a
 *   trace context. The decision is recorded with `patched(TRACING_PATCH)`: a replay takes the same
 *   path on any worker, and a lifecycle that started before this build (no marker, no trace
 *   header) replays exactly as it ran. Untraced lifecycles never load OpenTelemetry (the SDK
 *   evaluates a bundle's modules again for each execution).
 * - Span ids are drawn from a named random stream, so the workflow's own `uuid4()` values (work
 *   item and version GUIDs) are the same whether a lifecycle is traced or not.
 * - Work started after a traced message (activities, child workflows, signals) is a child of that
 *   message's span: a Finish's trace holds the CompleteSession and the document writes it causes.
 * - Queries and update validators are never traced: they leave no history, and a `patched()`
 *   there would record nothing.
 *
 * Runs inside the workflow sandbox: no I/O, no node built-ins, state only per execution.
 */
import type * as OtelApi from '@opentelemetry/api';
import type { Headers } from '@temporalio/common';
import type * as OtelWorkflow from '@temporalio/interceptors-opentelemetry/lib/workflow';
import {
  getRandomStream,
  patched,
  type ActivityInput,
  type ContinueAsNewInput,
  type DisposeInput,
  type GetLogAttributesInput,
  type LocalActivityInput,
  type Next,
  type SignalInput,
  type SignalWorkflowInput,
  type StartChildWorkflowExecutionInput,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowInternalsInterceptor,
  type WorkflowOutboundCallsInterceptor,
  type WorkflowRandomStream,
} from '@temporalio/workflow';
import { TRACING_PATCH } from '../workflows/patches';

/** Where Temporal's interceptors carry the trace context (`@temporalio/interceptors-opentelemetry`). */
const TRACE_HEADER = '_tracer-data';
const SPAN_ID_STREAM = 'hotdocs-advance-temporal/opentelemetry-span-ids';

interface Instruments {
  api: typeof OtelApi;
  inbound: OtelWorkflow.OpenTelemetryInboundInterceptor;
  outbound: OtelWorkflow.OpenTelemetryOutboundInterceptor;
  internals: OtelWorkflow.OpenTelemetryInternalsInterceptor;
}

/** One lifecycle execution's tracing state. */
class LifecycleTracing {
  private instruments?: Instruments;
  private spanIds?: WorkflowRandomStream;
  /** The context of the latest traced message: the parent of the work that follows it. */
  private cause?: OtelApi.Context;

  /** The instruments when this lifecycle is traced, deciding it when `headers` bring a trace context. */
  tracedBy(headers: Headers): Instruments | undefined {
    if (this.instruments === undefined && headers[TRACE_HEADER] !== undefined && patched(TRACING_PATCH))
      this.instruments = this.withSpanIds(loadInstruments);
    return this.instruments;
  }

  get traced(): Instruments | undefined {
    return this.instruments;
  }

  withSpanIds<T>(fn: () => T): T {
    this.spanIds ??= getRandomStream(SPAN_ID_STREAM);
    return this.spanIds.with(fn);
  }

  /** `next`, remembering the message's span as the cause of what follows (when it was traced). */
  remembering<A extends unknown[], R>(headers: Headers, next: (...args: A) => R): (...args: A) => R {
    if (headers[TRACE_HEADER] === undefined) return next;
    return (...args) => {
      if (this.instruments !== undefined) this.cause = this.instruments.api.context.active();
      return next(...args);
    };
  }

  /** Runs an outbound call under the latest message's context (or the current one). */
  caused<T>(instruments: Instruments, fn: () => T): T {
    const { cause } = this;
    return this.withSpanIds(() => (cause === undefined ? fn() : instruments.api.context.with(cause, fn)));
  }
}

function loadInstruments(): Instruments {
  // Required here, not imported: only a traced lifecycle pays for evaluating OpenTelemetry.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const api = require('@opentelemetry/api') as typeof OtelApi;
  const otel = require('@temporalio/interceptors-opentelemetry/lib/workflow') as typeof OtelWorkflow;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return {
    api,
    inbound: new otel.OpenTelemetryInboundInterceptor(),
    outbound: new otel.OpenTelemetryOutboundInterceptor(),
    internals: new otel.OpenTelemetryInternalsInterceptor(),
  };
}

class TracingInbound implements WorkflowInboundCallsInterceptor {
  constructor(private readonly tracing: LifecycleTracing) {}

  execute(
    input: WorkflowExecuteInput,
    next: Next<WorkflowInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    const instruments = this.tracing.tracedBy(input.headers);
    if (instruments === undefined) return next(input);
    return this.tracing.withSpanIds(() => instruments.inbound.execute(input, next));
  }

  handleSignal(
    input: SignalInput,
    next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>,
  ): Promise<void> {
    const instruments = this.tracing.tracedBy(input.headers);
    if (instruments === undefined) return next(input);
    const remembered = this.tracing.remembering(input.headers, next);
    return this.tracing.withSpanIds(() => instruments.inbound.handleSignal(input, remembered));
  }

  handleUpdate(
    input: UpdateInput,
    next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>,
  ): Promise<unknown> {
    const instruments = this.tracing.tracedBy(input.headers);
    if (instruments === undefined) return next(input);
    const remembered = this.tracing.remembering(input.headers, next);
    return this.tracing.withSpanIds(() => instruments.inbound.handleUpdate(input, remembered));
  }
}

class TracingOutbound implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly tracing: LifecycleTracing) {}

  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
    const instruments = this.tracing.traced;
    if (instruments === undefined) return next(input);
    return this.tracing.caused(instruments, () => instruments.outbound.scheduleActivity(input, next));
  }

  scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ) {
    const instruments = this.tracing.traced;
    if (instruments === undefined) return next(input);
    return this.tracing.caused(instruments, () => instruments.outbound.scheduleLocalActivity(input, next));
  }

  startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ) {
    const instruments = this.tracing.traced;
    if (instruments === undefined) return next(input);
    return this.tracing.caused(instruments, () =>
      instruments.outbound.startChildWorkflowExecution(input, next),
    );
  }

  signalWorkflow(input: SignalWorkflowInput, next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>) {
    const instruments = this.tracing.traced;
    if (instruments === undefined) return next(input);
    return this.tracing.caused(instruments, () => instruments.outbound.signalWorkflow(input, next));
  }

  continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>) {
    const instruments = this.tracing.traced;
    if (instruments === undefined) return next(input);
    return this.tracing.caused(instruments, () => instruments.outbound.continueAsNew(input, next));
  }

  /** Workflow log lines written inside a span carry `trace_id` and `span_id`. */
  getLogAttributes(
    input: GetLogAttributesInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>,
  ) {
    const instruments = this.tracing.traced;
    if (instruments === undefined) return next(input);
    return instruments.outbound.getLogAttributes(input, next);
  }
}

class TracingInternals implements WorkflowInternalsInterceptor {
  constructor(private readonly tracing: LifecycleTracing) {}

  dispose(input: DisposeInput, next: Next<WorkflowInternalsInterceptor, 'dispose'>): void {
    const instruments = this.tracing.traced;
    if (instruments === undefined) return next(input);
    // Temporal's dispose is async for no reason of its own: it disables the context manager and calls `next`.
    void instruments.internals.dispose(input, next);
  }
}

export const interceptors = (): WorkflowInterceptors => {
  const tracing = new LifecycleTracing();
  return {
    inbound: [new TracingInbound(tracing)],
    outbound: [new TracingOutbound(tracing)],
    internals: [new TracingInternals(tracing)],
  };
};
