import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isTemporalUnavailable, isWorkerUnavailable, LifecycleClientError } from '../client';

/**
 * The gateway's one error shape, `{ "error": { code, message, problems? } }`, and the mapping of
 * everything that can go wrong (our own refusals, the lifecycle client's typed errors, fastify's
 * errors, Temporal being away) onto it.
 */

/** Every code the gateway answers with, and its HTTP status: a public contract, clients branch on them. */
const STATUS = {
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  'method-not-allowed': 405,
  'validation-failed': 400,
  'malformed-body': 400,
  'malformed-request': 400,
  'payload-too-large': 413,
  'uri-too-long': 414,
  'unsupported-media-type': 415,
  'headers-too-large': 431,
  'rate-limited': 429,
  'too-many-waits': 429,
  'no-interview-waiting': 409,
  'business-key-in-use': 409,
  'finish-in-progress': 409,
  'finish-link-invalid': 403,
  'finish-link-expired': 410,
  'finish-link-used': 410,
  'callback-used': 410,
  'wait-timeout': 409,
  'request-timeout': 408,
  'document-not-found': 404,
  'document-ambiguous': 409,
  'range-not-satisfiable': 416,
  'document-store-failed': 502,
  'document-store-mismatch': 502,
  'temporal-unavailable': 503,
  'worker-unavailable': 503,
  'shutting-down': 503,
  'waits-at-capacity': 503,
  'internal-error': 500,
  // the lifecycle client's codes, passed through
  'lifecycle-not-found': 404,
  'lifecycle-closed': 409,
  'request-rejected': 409,
  'lifecycle-failed': 409,
  'lifecycle-still-running': 409,
  'too-many-matches': 409,
} as const satisfies Record<string, number>;

export type GatewayErrorCode = keyof typeof STATUS;

/** The codes, for the OpenAPI document's `Error.code` enum. */
export const GATEWAY_ERROR_CODES = Object.keys(STATUS) as [GatewayErrorCode, ...GatewayErrorCode[]];

/** One offending field: `path` is dotted (`workItem.name`), empty for the body as a whole. */
export interface Problem {
  path: string;
  message: string;
}

export interface ErrorBody {
  error: { code: GatewayErrorCode; message: string; problems?: Problem[] };
}

export class GatewayError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
    this.name = 'GatewayError';
    this.statusCode = STATUS[code];
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.problems.length > 0 && { problems: this.problems }),
      },
    };
  }
}

/** Every error the gateway can meet, as a GatewayError; unforeseen ones become `internal-error`. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof LifecycleClientError) return fromLifecycleError(error);
  // Before Temporal's own unavailability: a query no worker answered also ends in a deadline.
  if (isWorkerUnavailable(error)) {
    return new GatewayError(
      'worker-unavailable',
      'No worker is serving lifecycles right now, and a status needs one to answer; try again shortly',
    );
  }
  if (isTemporalUnavailable(error)) {
    return new GatewayError('temporal-unavailable', 'Temporal is not reachable; try again shortly');
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validationContext ?? 'request';
    return new GatewayError(
      'validation-failed',
      `The ${where} is not valid`,
      error.validation.flatMap((issue) => problemsOfIssue(issue.instancePath, issue.keyword, issue)),
    );
  }
  const fastifyCode = (error as { code?: unknown }).code;
  switch (fastifyCode) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('payload-too-large', 'The request body is larger than this gateway accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GatewayError(
        'unsupported-media-type',
        'Send the body as application/json (the finish link also takes a form post)',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new GatewayError('malformed-body', 'The body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new GatewayError('malformed-body', 'The body is not valid JSON');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new GatewayError('uri-too-long', 'A path segment of the URL is too long');
    case 'FST_ERR_BAD_URL':
      return new GatewayError('malformed-request', 'The URL is not valid (a bad percent-encoding?)');
  }
  return fromFrameworkStatus(error);
}

/**
 * fastify's (and its plugins') other client errors, by status: they say what is wrong, in their
 * own words. Anything else is not the caller's fault.
 */
function fromFrameworkStatus(error: unknown): GatewayError {
  const status = (error as { statusCode?: unknown }).statusCode;
  const message = error instanceof Error ? error.message : String(error);
  const byStatus: Partial<Record<number, GatewayErrorCode>> = {
    400: 'malformed-body',
    404: 'not-found',
    405: 'method-not-allowed',
    408: 'request-timeout',
    413: 'payload-too-large',
    414: 'uri-too-long',
    415: 'unsupported-media-type',
    431: 'headers-too-large',
  };
  const code = typeof status === 'number' ? byStatus[status] : undefined;
  if (code === undefined)
    return new GatewayError('internal-error', 'The gateway failed to handle the request');
  return new GatewayError(code, code === 'malformed-body' ? `Malformed request: ${message}` : message);
}

function fromLifecycleError(error: LifecycleClientError): GatewayError {
  const code: string = error.code;
  switch (code) {
    case 'invalid-input':
      // The client's checks beyond the schema (the answer XML parse) say "field: message".
      return new GatewayError('validation-failed', error.message, error.problems.map(problemFromText));
    case 'lifecycle-not-found':
    case 'lifecycle-closed':
    case 'request-rejected':
    case 'lifecycle-failed':
    case 'lifecycle-still-running':
    case 'too-many-matches':
    case 'worker-unavailable':
      return new GatewayError(code, error.message);
    default:
      // A code this gateway does not know yet is not the caller's fault.
      return new GatewayError('internal-error', 'The gateway failed to handle the request');
  }
}

/** "answerXml: not well-formed at 1:5" → { path: "answerXml", message: "not well-formed at 1:5" }. */
export function problemFromText(text: string): Problem {
  const match = /^([A-Za-z][\w.[\]]*): (.+)$/s.exec(text);
  return match === null ? { path: '', message: text } : { path: match[1] ?? '', message: match[2] ?? text };
}

/**
 * One problem per offending field. zod reports unknown keys as one issue on the parent, worded
 * with the object's own error message; naming each unknown field is what a caller needs.
 */
function problemsOfIssue(
  instancePath: string,
  keyword: string,
  issue: { message?: string; params?: unknown },
) {
  const path = instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
  const keys = (issue.params as { keys?: unknown } | undefined)?.keys;
  if (keyword === 'unrecognized_keys' && Array.isArray(keys)) {
    return keys.map((key) => ({
      path: path === '' ? String(key) : `${path}.${String(key)}`,
      message: 'unknown field',
    }));
  }
  return [{ path, message: issue.message ?? 'invalid value' }];
}
