import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorRuntime } from './emulator-runtime';
import { apiVersionOfPath, WRITE_ENDPOINTS, type EndpointName } from './endpoints';
import type { FaultPlan } from './fault-injector';
import { isGuid, normaliseGuid } from './guid';
import { EmulatorHttpError } from './http-error';
import { JsonBody } from './json-body';
import type { RequestLogEntry } from './request-log';

/** What an operation answers; a Buffer or string body is sent as is, anything else as JSON. */
export interface AdvanceResponse {
  status: number;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

/** The request as an operation sees it. */
export interface AdvanceCall {
  readonly request: FastifyRequest;
  /** A path parameter (always present: the route declares it). */
  param(name: string): string;
  body(options?: { allowEmpty?: boolean }): JsonBody;
  /** Checks the bearer token (401) and, for command methods, the scope (403). */
  authorize(): void;
  /** Adds ids to the request log entry once the operation knows them. */
  note(ids: { workItemId?: string; versionId?: string }): void;
}

/**
 * Changes the model synchronously, before it returns: the in-memory model never sees two requests
 * interleave. It may return a promise only to wait before answering (a synchronous threshold).
 */
export type AdvanceOperation = (call: AdvanceCall) => AdvanceResponse | Promise<AdvanceResponse>;

/**
 * Registers one Advance endpoint under every base path given. Each request is logged in arrival
 * order, gets its fault plan (latency, then a fault before or after the operation), and then runs
 * the operation.
 */
export function registerAdvanceEndpoint(
  app: FastifyInstance,
  runtime: EmulatorRuntime,
  endpoint: { name: EndpointName; method: 'GET' | 'PUT' | 'POST' | 'PATCH'; paths: readonly string[] },
  operation: AdvanceOperation,
): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> => {
    const entry = runtime.requestLog.begin({
      endpoint: endpoint.name,
      method: request.method,
      path: request.url,
      api: apiVersionOfPath(request.url),
    });
    noteIdsFromPath(entry, request.params);
    const plan = runtime.faults.plan(endpoint.name);

    if (plan.latencyMs > 0 && !(await runtime.delay(plan.latencyMs))) {
      return resetConnection(request, reply); // closing while delayed: drop the request
    }

    if (plan.kind === 'error' || plan.kind === 'throttle' || plan.kind === 'reset') {
      recordFault(runtime, entry, plan, false);
      if (plan.kind === 'reset') return finishWithReset(runtime, entry, request, reply);
      const retryAfter: Record<string, string> =
        plan.kind === 'throttle' ? { 'retry-after': String(plan.retryAfterSeconds ?? 1) } : {};
      const message =
        plan.kind === 'throttle'
          ? 'Too many requests: retry later'
          : 'Injected fault: the service is unavailable';
      return finish(runtime, entry, reply, {
        status: plan.status ?? 503,
        body: { message },
        headers: retryAfter,
      });
    }

    if (plan.kind === 'reset-then-apply') {
      // The client sees its connection reset now; the request itself is still on its way.
      entry.fault = { kind: plan.kind, applied: false };
      finishWithReset(runtime, entry, request, reply);
      void applyLate(runtime, endpoint.name, request, entry, operation, plan);
      return;
    }

    const response = await runOperation(runtime, endpoint.name, request, entry, operation);
    const applied = response.status < 400;
    if (plan.kind === 'corrupt') {
      const served = Buffer.isBuffer(response.body) && applied;
      recordFault(runtime, entry, plan, served);
      return finish(
        runtime,
        entry,
        reply,
        served ? { ...response, body: corrupted(response.body as Buffer) } : response,
      );
    }
    if (plan.kind === 'apply-then-error') {
      recordFault(runtime, entry, plan, applied);
      const message = 'Injected fault: the request was processed but its response was lost';
      return finish(runtime, entry, reply, { status: plan.status ?? 502, body: { message } });
    }
    if (plan.kind === 'apply-then-reset') {
      recordFault(runtime, entry, plan, applied);
      return finishWithReset(runtime, entry, request, reply);
    }
    if (plan.kind === 'latency') recordFault(runtime, entry, plan, applied);
    return finish(runtime, entry, reply, response);
  };

  for (const path of endpoint.paths) app.route({ method: endpoint.method, url: path, handler });
}

async function runOperation(
  runtime: EmulatorRuntime,
  endpoint: EndpointName,
  request: FastifyRequest,
  entry: RequestLogEntry,
  operation: AdvanceOperation,
): Promise<AdvanceResponse> {
  const call: AdvanceCall = {
    request,
    param: (name) => (request.params as Record<string, string | undefined>)[name] ?? '',
    body: (options) =>
      JsonBody.parse(request.body as string | undefined, { allowEmpty: options?.allowEmpty ?? false }),
    authorize: () => authorize(runtime, endpoint, request),
    note: (ids) => {
      if (ids.workItemId !== undefined) entry.workItemId = ids.workItemId;
      if (ids.versionId !== undefined) entry.versionId = ids.versionId;
    },
  };
  try {
    return await operation(call);
  } catch (error) {
    if (error instanceof EmulatorHttpError) {
      return { status: error.status, body: { message: error.message }, headers: { ...error.headers } };
    }
    runtime.log(`internal error in ${endpoint}: ${(error as Error).stack ?? String(error)}`);
    return { status: 500, body: { message: `Internal emulator error: ${(error as Error).message}` } };
  }
}

/**
 * A `reset-then-apply` request after its reset: applied once its delay ends (or is released), as a
 * request a proxy still forwards after the client gave up on it would be. Closing drops it.
 */
async function applyLate(
  runtime: EmulatorRuntime,
  endpoint: EndpointName,
  request: FastifyRequest,
  entry: RequestLogEntry,
  operation: AdvanceOperation,
  plan: FaultPlan,
): Promise<void> {
  try {
    if (!(await runtime.delay(plan.applyAfterMs ?? 0))) return;
    const response = await runOperation(runtime, endpoint, request, entry, operation);
    recordFault(runtime, entry, plan, response.status < 400);
    runtime.log(`${describe(entry)}: applied late with ${response.status}`);
  } catch (error) {
    runtime.log(`internal error applying ${endpoint} late: ${(error as Error).stack ?? String(error)}`);
  }
}

/** The same number of bytes with one of them changed: only a checksum tells. */
function corrupted(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  if (copy.length > 0) copy[copy.length >> 1] = (copy[copy.length >> 1] ?? 0) ^ 0xff;
  return copy;
}

function authorize(runtime: EmulatorRuntime, endpoint: EndpointName, request: FastifyRequest): void {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match?.[1] === undefined) {
    throw new EmulatorHttpError(401, 'An Authorization header with a Bearer token is required', {
      'www-authenticate': 'Bearer',
    });
  }
  const check = runtime.tokens.check(match[1]);
  if (!check.valid) {
    const description =
      check.reason === 'expired' ? 'The access token has expired' : 'The access token is not valid';
    throw new EmulatorHttpError(401, description, {
      'www-authenticate': `Bearer error="invalid_token", error_description="${description}"`,
    });
  }
  if (WRITE_ENDPOINTS.has(endpoint) && check.scope === 'Query') {
    throw new EmulatorHttpError(
      403,
      `The API client's scope (Query) does not allow ${endpoint}: it needs Command`,
    );
  }
}

function noteIdsFromPath(entry: RequestLogEntry, params: unknown): void {
  const { id, versionId } = params as { id?: string; versionId?: string };
  if (isGuid(id)) entry.workItemId = normaliseGuid(id);
  if (isGuid(versionId)) entry.versionId = normaliseGuid(versionId);
}

function recordFault(
  runtime: EmulatorRuntime,
  entry: RequestLogEntry,
  plan: FaultPlan,
  applied: boolean,
): void {
  if (plan.kind === undefined) return;
  const latencyMs = plan.latencyMs > 0 ? plan.latencyMs : undefined;
  entry.fault = { kind: plan.kind, applied, ...(plan.status !== undefined && { status: plan.status }) };
  if (latencyMs !== undefined) entry.fault.latencyMs = latencyMs;
  runtime.faults.record({
    seq: entry.seq,
    at: new Date().toISOString(),
    endpoint: entry.endpoint,
    kind: plan.kind,
    source: plan.source ?? 'rule',
    applied,
    ...(plan.status !== undefined && { status: plan.status }),
    ...(plan.retryAfterSeconds !== undefined && { retryAfterSeconds: plan.retryAfterSeconds }),
    ...(latencyMs !== undefined && { latencyMs }),
  });
}

function finish(
  runtime: EmulatorRuntime,
  entry: RequestLogEntry,
  reply: FastifyReply,
  response: AdvanceResponse,
): FastifyReply {
  entry.status = response.status;
  runtime.log(describe(entry));
  reply.code(response.status);
  for (const [name, value] of Object.entries(response.headers ?? {})) reply.header(name, value);
  const { body } = response;
  if (body === undefined) return reply.send();
  if (Buffer.isBuffer(body)) return reply.type(response.contentType ?? 'application/octet-stream').send(body);
  if (typeof body === 'string')
    return reply.type(response.contentType ?? 'text/plain; charset=utf-8').send(body);
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(body));
}

function finishWithReset(
  runtime: EmulatorRuntime,
  entry: RequestLogEntry,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  runtime.log(describe(entry));
  resetConnection(request, reply);
}

/** Drops the connection without an answer; a TCP RST where possible, as a crashed proxy would. */
function resetConnection(request: FastifyRequest, reply: FastifyReply): void {
  reply.hijack();
  const socket = request.raw.socket;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

function describe(entry: RequestLogEntry): string {
  const outcome = entry.status === null ? 'connection reset' : String(entry.status);
  const fault = entry.fault === undefined ? '' : ` [fault: ${entry.fault.kind}]`;
  return `${entry.method} ${entry.path} ${entry.endpoint} -> ${outcome}${fault}`;
}
