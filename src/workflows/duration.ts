/**
 * Durations in workflow input are strings such as "14d", "24h", "90m", "1d12h" or "500ms", so
 * that any Temporal client (the `temporal` CLI with JSON input included) can write them.
 */
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const WHOLE = /^(\s*\d+(\.\d+)?\s*(ms|s|m|h|d|w)\s*)+$/i;
const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/gi;

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (typeof text !== 'string' || !WHOLE.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(PART)) {
    total += Number(match[1]) * (UNIT_MS[(match[2] ?? '').toLowerCase()] ?? Number.NaN);
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/** Milliseconds of an optional duration text ("14d"); undefined when absent. */
export function optionalDurationMs(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseDuration(text);
}

/** A short human form, for UI details: 90061000 → "1d1h1m1s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  let rest = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * size;
  }
  return parts.join('');
}
