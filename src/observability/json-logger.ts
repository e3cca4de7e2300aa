import { isSpanContextValid, trace } from '@opentelemetry/api';
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';

/**
 * Structured logs: one JSON object per line (`time`, `level`, `msg`, then the entry's fields),
 * which log shippers parse without rules. Values under secret-sounding keys are blanked as a
 * backstop; our own code never puts secrets into log metadata in the first place.
 */

const SECRET_KEY = /pass(word)?|secret|token|authorization|api[-_]?key|cookie|answerxml/i;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[deep]';
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
      return redact((value as { toJSON(): unknown }).toJSON(), depth + 1);
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => [
        key,
        SECRET_KEY.test(key) ? '[redacted]' : redact(v, depth + 1),
      ]),
    );
  }
  return value;
}

export function formatLogLine(entry: LogEntry): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const fields = (redact(entry.meta ?? {}) as Record<string, unknown>) ?? {};
  return `${JSON.stringify({ time, level: entry.level.toLowerCase(), msg: entry.message, ...activeSpanIds(), ...fields })}\n`;
}

/**
 * `trace_id` and `span_id` of the span the line is written in, if any. Workflow and activity
 * lines get theirs from Temporal's interceptors (in the entry's fields, which win); this covers
 * our own lines written inside a span. Nothing without tracing.
 */
function activeSpanIds(): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

export function jsonLogger(
  level: LogLevel,
  write: (line: string) => void = (l) => process.stdout.write(l),
): DefaultLogger {
  return new DefaultLogger(level, (entry) => write(formatLogLine(entry)));
}
