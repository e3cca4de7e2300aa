import { EmulatorHttpError } from '../http-error';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EmulatorRuntime } from '../emulator-runtime';
import { API_BASE_PATHS_BY_VERSION, AUTH_BASE_PATHS, CONTROL_BASE_PATH } from '../endpoints';
import { normaliseGuid } from '../guid';
import { parseJsonText } from '../json-body';
import { webhookConfigSchema } from '../webhook-sender';
import { describeZodIssues } from '../zod-issues';

/**
 * Inspection and control for tests, demos and benchmarks. No authentication: the emulator is
 * for local use only and must never be exposed where untrusted clients can reach it.
 * Faults never apply here.
 */
export function registerControlRoutes(app: FastifyInstance, runtime: EmulatorRuntime): void {
  const at = (path: string): string => `${CONTROL_BASE_PATH}${path}`;

  const shapes = (bases: readonly [string, string]) => ({
    cloud: {
      baseUrl: `${runtime.publicUrl}${bases[0]}`,
      authUrl: `${runtime.publicUrl}${AUTH_BASE_PATHS[0]}`,
    },
    onPremise: {
      baseUrl: `${runtime.publicUrl}${bases[1]}`,
      authUrl: `${runtime.publicUrl}${AUTH_BASE_PATHS[1]}`,
    },
  });

  app.get(CONTROL_BASE_PATH, async () => ({
    ...shapes(API_BASE_PATHS_BY_VERSION['v1.1']),
    v2: shapes(API_BASE_PATHS_BY_VERSION['v2.0']),
    control: [
      'GET health',
      'GET state',
      'GET requests',
      'GET counts',
      'GET logins',
      'GET duplicates',
      'GET callbacks',
      'GET|PUT|DELETE webhook',
      'GET webhooks',
      'GET|PUT faults',
      'GET faults/injected',
      'POST faults/release',
      'GET|PUT behaviour',
      'POST tokens/expire',
      'POST work-items/{id}/versions/{versionId}/post-processing/rerun',
      'POST work-items/{id}/versions/{versionId}/complete-in-advance',
      'POST reset',
    ].map((route) => route.replace(/ /, ` ${CONTROL_BASE_PATH}/`)),
  }));
  app.get(at('/health'), async () => ({ status: 'ok' }));
  app.get(at('/state'), async () => ({ workItems: runtime.store.snapshot() }));
  app.get(at('/requests'), async () => runtime.requestLog.list());
  app.get(at('/counts'), async () => runtime.requestLog.counts());
  app.get(at('/logins'), async () => runtime.logins.snapshot());
  app.get(at('/duplicates'), async () => runtime.duplicates.list());
  app.get(at('/callbacks'), async () => runtime.callbacks.list());
  // Advance's own webhook, as an administrator registers it ("Create a Webhook").
  app.get(at('/webhook'), async () => runtime.webhooks.registered() ?? {});
  app.put(at('/webhook'), async (request) => {
    const parsed = webhookConfigSchema.safeParse(jsonBody(request));
    if (!parsed.success)
      throw EmulatorHttpError.badRequest(`Invalid webhook:\n${describeZodIssues(parsed.error)}`);
    runtime.webhooks.configure(parsed.data);
    return runtime.webhooks.registered();
  });
  app.delete(at('/webhook'), async () => {
    runtime.webhooks.configure(undefined);
    return { removed: true };
  });
  app.get(at('/webhooks'), async () => runtime.webhooks.list());
  app.get(at('/faults'), async () => runtime.faults.active());
  app.put(at('/faults'), async (request) => runtime.setFaults(jsonBody(request)));
  app.get(at('/faults/injected'), async () => runtime.faults.injectedFaults());
  app.post(at('/faults/release'), async () => ({ released: runtime.releaseDelays() }));
  app.get(at('/behaviour'), async () => runtime.behaviour);
  app.put(at('/behaviour'), async (request) => runtime.setBehaviour(jsonBody(request)));
  // Rotates the service principal's password, as an administrator does in Advance: logins with
  // the old one are refused from now on (tokens already issued stay valid until they expire).
  app.put(at('/credentials'), async (request) => {
    const body = jsonBody(request) as { principalPassword?: unknown };
    if (typeof body.principalPassword !== 'string' || body.principalPassword === '') {
      throw EmulatorHttpError.badRequest('principalPassword (a non-empty string) is required');
    }
    runtime.principalPassword = body.principalPassword;
    return { rotated: true };
  });
  app.post(at('/tokens/expire'), async () => {
    runtime.tokens.expireAll();
    return { expired: true };
  });
  // An administrator runs a failed post-assembly processing again (it succeeds this time).
  app.post(at('/work-items/:id/versions/:versionId/post-processing/rerun'), async (request) => {
    const { id, versionId } = request.params as { id: string; versionId: string };
    const item = runtime.store.find(normaliseGuid(id));
    if (item === undefined || !runtime.store.rerunPostProcessing(item, normaliseGuid(versionId))) {
      throw new EmulatorHttpError(409, `version ${versionId} of work item ${id} is not PostProcessingFailed`);
    }
    return { status: 'Completed' };
  });
  // A user completes the version in Advance's own web app (or submits a client interview): the
  // version completes as a v2.0 Complete would, with no API call, and the webhook (if any) fires.
  app.post(at('/work-items/:id/versions/:versionId/complete-in-advance'), async (request) => {
    const { id, versionId } = request.params as { id: string; versionId: string };
    const version = runtime.completeInAdvance(id, versionId);
    if (version === undefined) {
      throw new EmulatorHttpError(
        409,
        `version ${versionId} of work item ${id} is unknown or not in progress`,
      );
    }
    return { status: version.status };
  });
  app.post(at('/reset'), async () => {
    runtime.reset();
    return { reset: true };
  });
}

function jsonBody(request: FastifyRequest): unknown {
  const raw = request.body as string | undefined;
  return raw === undefined || raw.trim() === '' ? {} : parseJsonText(raw);
}
