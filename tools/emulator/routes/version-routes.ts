import type { FastifyInstance } from 'fastify';
import { registerAdvanceEndpoint } from '../advance-endpoint';
import type { EmulatorRuntime } from '../emulator-runtime';
import { API_BASE_PATHS_BY_VERSION } from '../endpoints';
import { EmulatorHttpError } from '../http-error';
import { VERSION_STATUSES, type VersionRecord } from '../work-item-model';
import type { VersionOutcome } from '../work-item-store';
import { answerCompletion, completionTiming, scheduleCallback, versionAnswer } from './completion-answer';
import { guidParam, readCallbackFields, requireWorkItem, under } from './request-fields';
import { parseStatusName, statusBody, versionListJson, versionStatusJson } from './version-status-json';

const V2 = API_BASE_PATHS_BY_VERSION['v2.0'];

/** The v2.0 calls that name their version: Complete, SaveAndClose, Status, and the filtered list. */
export function registerVersionRoutes(app: FastifyInstance, runtime: EmulatorRuntime): void {
  registerAdvanceEndpoint(
    app,
    runtime,
    {
      name: 'completeVersion',
      method: 'PUT',
      paths: under(V2, '/WorkItems/:id/Versions/:versionId/Complete'),
    },
    (call) => {
      call.authorize();
      const id = guidParam(call, 'id', 'The work item id');
      const versionId = guidParam(call, 'versionId', 'The version id');
      // v2.0 lists no runAssembly; like ASP.NET, unknown fields are ignored: Complete always assembles.
      const callback = readCallbackFields(call.body({ allowEmpty: true }));
      const item = requireWorkItem(runtime, id);
      refuseUnfinishedInterview(runtime, item.versions, versionId);
      const outcome = runtime.store.completeVersion(item, versionId, completionTiming(runtime));
      const version = requireInProgress(runtime, outcome, id, versionId);
      return answerCompletion(runtime, call, item, version, callback);
    },
  );

  registerAdvanceEndpoint(
    app,
    runtime,
    {
      name: 'saveAndCloseVersion',
      method: 'PUT',
      paths: under(V2, '/WorkItems/:id/Versions/:versionId/SaveAndClose'),
    },
    (call) => {
      call.authorize();
      const id = guidParam(call, 'id', 'The work item id');
      const versionId = guidParam(call, 'versionId', 'The version id');
      const callback = readCallbackFields(call.body({ allowEmpty: true }));
      const item = requireWorkItem(runtime, id);
      const version = requireInProgress(runtime, runtime.store.saveVersion(item, versionId), id, versionId);
      if (callback !== undefined) {
        scheduleCallback(runtime, item, version, callback, 'VersionSaved', Date.now());
      }
      return versionAnswer(runtime, call, item, version);
    },
  );

  registerAdvanceEndpoint(
    app,
    runtime,
    {
      name: 'getVersionStatus',
      method: 'GET',
      paths: under(V2, '/WorkItems/:id/Versions/:versionId/Status'),
    },
    (call) => {
      call.authorize();
      const id = guidParam(call, 'id', 'The work item id');
      const versionId = guidParam(call, 'versionId', 'The version id');
      const item = requireWorkItem(runtime, id);
      const version = requireVersion(item.versions, id, versionId);
      return { status: 200, ...statusBody(versionStatusJson(item, version, runtime.behaviour)) };
    },
  );

  registerAdvanceEndpoint(
    app,
    runtime,
    { name: 'listVersions', method: 'GET', paths: under(V2, '/WorkItems/:id/Versions') },
    (call) => {
      call.authorize();
      const item = requireWorkItem(runtime, guidParam(call, 'id', 'The work item id'));
      const filter = (call.request.query as Record<string, unknown>)['filter'];
      if (filter === undefined || filter === '') {
        return { status: 200, body: versionListJson(item.versions, runtime.behaviour) };
      }
      const status = typeof filter === 'string' ? parseStatusName(filter) : undefined;
      if (status === undefined) {
        throw EmulatorHttpError.badRequest(`filter must name a valid status: ${VERSION_STATUSES.join(', ')}`);
      }
      const matching = item.versions.filter((version) => version.status === status);
      return { status: 200, body: versionListJson(matching, runtime.behaviour) };
    },
  );
}

/**
 * With `completeUnfinishedInterview: refuse`, a version in progress whose Core interview was not
 * finished cannot be completed, as HotDocs' interview use case says it must be finished first.
 */
function refuseUnfinishedInterview(
  runtime: EmulatorRuntime,
  versions: VersionRecord[],
  versionId: string,
): void {
  if (runtime.behaviour.completeUnfinishedInterview !== 'refuse') return;
  const version = versions.find((candidate) => candidate.versionId === versionId);
  if (version?.status !== 'InProgress' || version.interviewFinished === true) return;
  throw new EmulatorHttpError(
    409,
    `The interview of version ${versionId} has not been finished: call the Core API's ` +
      `/ipi/session/${version.session.coreSessionId}/finishcurrentinterview first`,
  );
}

/** The version an outcome acted on; 404 for an unknown version, `noActiveSessionStatus` if not in progress. */
export function requireInProgress(
  runtime: EmulatorRuntime,
  outcome: VersionOutcome,
  workItemId: string,
  versionId: string,
): VersionRecord {
  switch (outcome.kind) {
    case 'done':
      return outcome.version;
    case 'unknown-version':
      throw EmulatorHttpError.notFound(`Version ${versionId} not found for work item ${workItemId}`);
    case 'not-in-progress':
      throw new EmulatorHttpError(
        runtime.behaviour.noActiveSessionStatus,
        `Version ${versionId} is not in progress (it is ${outcome.version.status})`,
      );
  }
}

export function requireVersion(
  versions: VersionRecord[],
  workItemId: string,
  versionId: string,
): VersionRecord {
  const version = versions.find((candidate) => candidate.versionId === versionId);
  if (version === undefined)
    throw EmulatorHttpError.notFound(`Version ${versionId} not found for work item ${workItemId}`);
  return version;
}
