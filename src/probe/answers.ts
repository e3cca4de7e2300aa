import { AdvanceError, statusValue, type VersionStatus } from '../advance';
import type { Attempt } from './context';
import type { RecordedExchange } from './recorder';
import type { SwitchValue } from './switches';

/**
 * Reading the tenancy's answers as they came (the recorder's copy), for what the client's own
 * reading smooths over: status codes, key case, list wrappers, status spelling.
 */

/** The first exchange of an attempt whose path matches (logins left out). */
export function exchangeOf(attempt: Attempt<unknown>, path: RegExp): RecordedExchange | undefined {
  return attempt.exchanges.find(
    (exchange) => !/^Authorize\//i.test(exchange.path) && path.test(exchange.path),
  );
}

/** The HTTP status an exchange was answered with, as text (`HTTP 409`, or `no answer`). */
export function httpText(exchange: RecordedExchange | undefined): string {
  return exchange?.status === undefined ? 'no answer' : `HTTP ${exchange.status}`;
}

/** An answer's body as JSON; its text when it is not JSON; undefined when empty or not kept. */
export function bodyOf(exchange: RecordedExchange | undefined): unknown {
  const text = exchange?.body?.trim() ?? '';
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The key of an object matching `name` in any case, as the server spelt it. */
export function keyOf(value: unknown, name: string): string | undefined {
  if (!isObject(value)) return undefined;
  return Object.keys(value).find((key) => key.toLowerCase() === name.toLowerCase());
}

/** A list answer: a bare array, wrapped in `items` (the emulator's wrapper) or another key. */
export function listShape(body: unknown): { shape?: 'array' | 'wrapped'; text: string } {
  if (Array.isArray(body)) return { shape: 'array', text: 'a bare JSON array' };
  if (isObject(body)) {
    const key = Object.keys(body).find((k) => Array.isArray(body[k]));
    if (key === 'items') return { shape: 'wrapped', text: 'wrapped as { "items": [...] }' };
    if (key !== undefined) return { text: `wrapped as { "${key}": [...] }` };
  }
  return { text: body === undefined ? 'an empty answer' : 'an answer that is not a list' };
}

/** How a status answer is shaped: a bare string, `{ status }`, `{ Status }`, or another key. */
export function statusShape(body: unknown): { shape?: 'object' | 'pascal-object' | 'string'; text: string } {
  if (typeof body === 'string') return { shape: 'string', text: 'a bare JSON string' };
  if (isObject(body)) {
    if (Object.hasOwn(body, 'status')) return { shape: 'object', text: '{ "status": ... }' };
    if (Object.hasOwn(body, 'Status')) return { shape: 'pascal-object', text: '{ "Status": ... }' };
    return { text: `an object with keys ${Object.keys(body).join(', ') || '(none)'}` };
  }
  return { text: body === undefined ? 'an empty answer' : 'an answer without a status' };
}

/** The status value as the server spelt it, if the body carries one as text. */
export function statusSpelling(body: unknown): string | undefined {
  const value = statusValue(body);
  return typeof value === 'string' ? value : undefined;
}

/** How a status is spelt against its canonical name: `InProgress`, `inprogress`, `INPROGRESS`. */
export function statusCase(spelt: string, status: VersionStatus): 'pascal' | 'lower' | 'upper' | undefined {
  if (spelt === status) return 'pascal';
  if (spelt === status.toLowerCase()) return 'lower';
  if (spelt === status.toUpperCase()) return 'upper';
  return undefined;
}

/** The switch value a finding names, or why none does. */
export function named(
  value: SwitchValue | undefined,
  unnamed: string,
): { value: SwitchValue } | { unnamed: string } {
  return value !== undefined ? { value } : { unnamed };
}

/** An HTTP status as the value of a status switch, when it is one of the switch's values. */
export function namedStatus(
  exchange: RecordedExchange | undefined,
  values: readonly number[],
): { value: SwitchValue } | { unnamed: string } {
  const status = exchange?.status;
  const value = status !== undefined && values.includes(status) ? status : undefined;
  return named(value, `the emulator answers ${values.join(', ')} only`);
}

/** A failed call in words: the client's own message (which never carries a token or a body sent). */
export function failureText(error: unknown): string {
  if (error instanceof AdvanceError) return error.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A duration in whole seconds, as the report shows it. */
export function secondsText(ms: number): string {
  return `about ${Math.round(ms / 1000)} s`;
}
