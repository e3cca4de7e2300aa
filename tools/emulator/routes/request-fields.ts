import type { AdvanceCall } from '../advance-endpoint';
import { AnswerXmlError, parseAnswerXml } from '../answers/parse-answer-xml';
import type { EmulatorRuntime } from '../emulator-runtime';
import { GUID_FORMAT_HINT, isGuid, normaliseGuid } from '../guid';
import { EmulatorHttpError } from '../http-error';
import type { WorkItemRecord } from '../work-item-model';
import type { ParsedAnswers } from '../work-item-store';
import type { JsonBody } from '../json-body';

/** A GUID path parameter, normalised; 400 naming the parameter otherwise. */
export function guidParam(call: AdvanceCall, name: string, label: string): string {
  const value = call.param(name);
  if (!isGuid(value))
    throw EmulatorHttpError.badRequest(`${label} must be ${GUID_FORMAT_HINT}; got "${value}"`);
  return normaliseGuid(value);
}

export function requireWorkItem(runtime: EmulatorRuntime, id: string): WorkItemRecord {
  const item = runtime.store.find(id);
  if (item === undefined) throw EmulatorHttpError.notFound(`Work item ${id} not found`);
  return item;
}

/**
 * Reads an optional `answerXml` field: absent or null means none; otherwise it must be a string
 * holding a well-formed AnswerSet. Returns a problem description instead of throwing, so callers
 * can report it together with other field problems.
 */
export function readAnswerXmlField(value: unknown): { answers?: ParsedAnswers; problem?: string } {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'string') return { problem: 'answerXml must be a string' };
  try {
    return { answers: { xml: value, set: parseAnswerXml(value) } };
  } catch (error) {
    if (error instanceof AnswerXmlError) {
      return {
        problem: `answerXml is not a valid AnswerSet at ${error.line}:${error.column}: ${error.problem}`,
      };
    }
    throw error;
  }
}

export function readOptionalBoolean(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw EmulatorHttpError.badRequest(`${field} must be true or false`);
  return value;
}

/** Every base path combined with one route, e.g. `/WorkItems/:id` under cloud and on-premise. */
export function under(bases: readonly string[], route: string): string[] {
  return bases.map((base) => `${base}${route}`);
}

export interface CallbackRequest {
  url: string;
  secret?: string;
}

/** Optional `callbackUrl` (absolute http(s)) and `callbackSecret` of the v2.0 calls that take them. */
export function readCallbackFields(body: JsonBody): CallbackRequest | undefined {
  const url = body.get('callbackUrl');
  const secret = body.get('callbackSecret');
  const problems: string[] = [];
  if (url !== undefined && url !== null && url !== '') {
    if (typeof url !== 'string' || !/^https?:\/\//i.test(url) || !URL.canParse(url))
      problems.push('callbackUrl must be an absolute http(s) URL');
  }
  if (secret !== undefined && secret !== null && typeof secret !== 'string')
    problems.push('callbackSecret must be a string');
  if (problems.length > 0) throw EmulatorHttpError.badRequest(problems.join('; '));
  if (typeof url !== 'string' || url === '') return undefined;
  return { url, ...(typeof secret === 'string' && secret !== '' && { secret }) };
}
