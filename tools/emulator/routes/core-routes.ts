import type { FastifyInstance } from 'fastify';
import { registerAdvanceEndpoint, type AdvanceCall } from '../advance-endpoint';
import type { EmulatorRuntime } from '../emulator-runtime';
import { CORE_SESSION_PATH } from '../endpoints';
import { GUID_FORMAT_HINT, isGuid, normaliseGuid } from '../guid';
import { EmulatorHttpError } from '../http-error';
import type { VersionRecord } from '../work-item-model';

/**
 * The Core API's `finishcurrentinterview`, at the origin of `interviewJsUrl` (the emulator's own):
 * HotDocs' v2.0 interview use case calls it before Complete. Its method, authentication and answer
 * are not documented; each is a behaviour switch (`finishInterview*`, `repeatFinishInterview`).
 */
export function registerCoreRoutes(app: FastifyInstance, runtime: EmulatorRuntime): void {
  for (const method of ['POST', 'PUT'] as const) {
    registerAdvanceEndpoint(
      app,
      runtime,
      {
        name: 'finishInterview',
        method,
        paths: [`${CORE_SESSION_PATH}/:coreSessionId/finishcurrentinterview`],
      },
      (call) => finishInterview(runtime, call),
    );
  }
}

function finishInterview(runtime: EmulatorRuntime, call: AdvanceCall) {
  const behaviour = runtime.behaviour;
  if (call.request.method !== behaviour.finishInterviewMethod) {
    throw new EmulatorHttpError(405, `Method ${call.request.method} is not allowed here`, {
      allow: behaviour.finishInterviewMethod,
    });
  }
  if (behaviour.finishInterviewAuth === 'bearer') call.authorize();
  const raw = call.param('coreSessionId');
  if (!isGuid(raw)) {
    throw EmulatorHttpError.badRequest(`The Core session id must be ${GUID_FORMAT_HINT}; got "${raw}"`);
  }
  const coreSessionId = normaliseGuid(raw);
  const outcome = runtime.store.finishInterview(coreSessionId);
  if (outcome === undefined) throw EmulatorHttpError.notFound(`Core session ${coreSessionId} not found`);
  call.note({ workItemId: workItemOf(runtime, coreSessionId), versionId: outcome.version.versionId });
  if (outcome.kind === 'repeat') refuseRepeat(runtime, outcome.version, coreSessionId);
  return behaviour.finishInterviewAnswer === 'json'
    ? { status: 200, body: { finished: true } }
    : { status: 204 };
}

function refuseRepeat(runtime: EmulatorRuntime, version: VersionRecord, coreSessionId: string): void {
  const why =
    version.status === 'InProgress'
      ? `The interview of Core session ${coreSessionId} is already finished`
      : `Core session ${coreSessionId} is no longer in progress (its version is ${version.status})`;
  switch (runtime.behaviour.repeatFinishInterview) {
    case 'ok':
      return;
    case 'conflict':
      throw new EmulatorHttpError(409, why);
    case 'not-found':
      throw EmulatorHttpError.notFound(`Core session ${coreSessionId} not found`);
    case 'gone':
      throw new EmulatorHttpError(410, why);
  }
}

function workItemOf(runtime: EmulatorRuntime, coreSessionId: string): string | undefined {
  return runtime.store.findSession(coreSessionId)?.item.id;
}
