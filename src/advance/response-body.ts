import type { Dispatcher } from 'undici';
import { describe, type FailureContext } from './classify';
import { AdvanceTransientError } from './errors';

/** Reading Advance's answers: JSON (tolerantly), text, headers, file names. */

type RawResponse = Dispatcher.ResponseData;

/** How much of an error body is kept for the error's message. */
const ERROR_BODY_LIMIT = 16 * 1024;

export function header(response: RawResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export async function readJson(
  response: RawResponse,
  context: FailureContext,
  { optional = false }: { optional?: boolean } = {},
): Promise<unknown> {
  const text = await response.body.text();
  if (text.trim() === '') {
    if (optional) return undefined;
    throw new AdvanceTransientError(`${describe(context)}: HTTP ${response.statusCode} with an empty body`, {
      ...context,
      status: response.statusCode,
    });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new AdvanceTransientError(
      `${describe(context)}: HTTP ${response.statusCode} with a body that is not JSON`,
      {
        ...context,
        status: response.statusCode,
        cause,
      },
    );
  }
}

/** A body as JSON, or as its trimmed text when it is not JSON; undefined when empty. */
export async function readBodyValue(response: RawResponse): Promise<unknown> {
  const text = (await response.body.text()).trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function readLimitedText(response: RawResponse): Promise<string> {
  let text = '';
  for await (const chunk of response.body) {
    if (text.length < ERROR_BODY_LIMIT) text += (chunk as Buffer).toString('utf8');
  }
  return text.slice(0, ERROR_BODY_LIMIT);
}

/** Some servers send a token as a JSON string literal; accept both forms. */
export function unquote(text: string): string {
  if (text.startsWith('"') && text.endsWith('"')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'string') return parsed;
    } catch {
      // not a JSON string after all
    }
  }
  return text;
}

/** File name from `Content-Disposition`, preferring the RFC 5987 `filename*` form. */
export function fileNameFrom(disposition: string | undefined): string | undefined {
  if (disposition === undefined) return undefined;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  if (extended?.[1] !== undefined) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      // fall through to the plain form
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/.exec(disposition);
  const name = plain?.[2] ?? plain?.[1];
  return name?.trim() || undefined;
}
