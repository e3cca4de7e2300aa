import { formatDuration, parseDuration } from '../workflows/duration';
import type { Parser } from './env';

/**
 * The parsers settings are read with. Each says in its problem what the variable must be, so that
 * every message names the variable and the form it takes.
 */

/** Any text. */
export const text: Parser<string> = (value) => value;

/** A whole number from `min` to `max`. */
export function wholeNumber(min: number, max: number): Parser<number> {
  return (value, name, problems) => {
    const number = Number(value);
    if (/^\d+$/.test(value) && number >= min && number <= max) return number;
    problems.push(`${name} must be a whole number from ${min} to ${max}`);
    return undefined;
  };
}

/** A whole number of seconds. */
export const seconds: Parser<number> = (value, name, problems) => {
  if (/^\d+$/.test(value)) return Number(value);
  problems.push(`${name} must be a whole number of seconds`);
  return undefined;
};

/** A TCP port: 0 (a free one) to 65535. */
export const port: Parser<number> = (value, name, problems) => {
  if (/^\d+$/.test(value) && Number(value) <= 65_535) return Number(value);
  problems.push(`${name} must be a port number`);
  return undefined;
};

/** A TCP port, or "off" for a listener that is switched off. */
export const portOrOff: Parser<number | 'off'> = (value, name, problems) => {
  if (value === 'off') return 'off';
  if (/^\d+$/.test(value) && Number(value) <= 65_535) return Number(value);
  problems.push(`${name} must be a port number or "off"`);
  return undefined;
};

/** A duration such as "30s" or "24h", in milliseconds, above zero and at most `maxMs`. */
export function duration(maxMs: number): Parser<number> {
  return (value, name, problems) => {
    const ms = parseDuration(value);
    if (ms !== undefined && ms > 0 && ms <= maxMs) return ms;
    problems.push(`${name} must be a duration such as 30s, 15m or 24h, at most ${formatDuration(maxMs)}`);
    return undefined;
  };
}

/** "true" or "false", in any case. */
export const flag: Parser<boolean> = (value, name, problems) => {
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === 'false') return lower === 'true';
  problems.push(`${name} must be "true" or "false"`);
  return undefined;
};

/** One of `values`; `caseless` accepts any case and answers as written in `values`. */
export function oneOf<const V extends string>(
  values: readonly V[],
  { caseless = false }: { caseless?: boolean } = {},
): Parser<V> {
  return (value, name, problems) => {
    const found = values.find((v) => (caseless ? v.toLowerCase() === value.toLowerCase() : v === value));
    if (found !== undefined) return found;
    problems.push(`${name} must be one of ${values.join(', ')}`);
    return undefined;
  };
}

/** An http(s) URL without credentials, query or fragment; trailing slashes dropped. */
export const httpBaseUrl: Parser<string> = (value, name, problems) => {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (
    url === undefined ||
    !/^https?:$/.test(url.protocol) ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== ''
  ) {
    problems.push(`${name} must be an http(s) URL without credentials, query or fragment`);
    return undefined;
  }
  return value.replace(/\/+$/, '');
};

/** An http(s) URL, query allowed (a webhook receiver's own parameters). */
export const httpUrl: Parser<string> = (value, name, problems) => {
  if (/^https?:\/\/\S+$/i.test(value) && URL.canParse(value)) return value;
  problems.push(`${name} must be an http(s) URL`);
  return undefined;
};

/** Comma-separated browser origins such as https://app.example.com. */
export const origins: Parser<string[]> = (value, name, problems) => {
  const found: string[] = [];
  let bad = false;
  for (const origin of value.split(',').map((o) => o.trim().replace(/\/$/, ''))) {
    if (origin === '') continue;
    const url = URL.canParse(origin) ? new URL(origin) : undefined;
    if (url === undefined || !/^https?:$/.test(url.protocol) || url.origin !== origin) {
      problems.push(`${name}: "${origin}" is not an origin such as https://app.example.com`);
      bad = true;
      continue;
    }
    found.push(origin);
  }
  return bad ? undefined : found;
};

/** Comma-separated SHA-256 hex digests, lower-cased. */
export const sha256Hexes: Parser<string[]> = (value, name, problems) => {
  const digests = value
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  if (digests.every((h) => /^[0-9a-f]{64}$/.test(h))) return digests;
  problems.push(`${name} must be SHA-256 hex digests (printf %s "$TOKEN" | sha256sum)`);
  return undefined;
};
