import type { FastifyInstance } from 'fastify';
import { registerAdvanceEndpoint } from '../advance-endpoint';
import type { DuplicateOutcome } from '../duplicate-log';
import type { EmulatorRuntime } from '../emulator-runtime';
import { ALL_API_BASE_PATHS, API_BASE_PATHS } from '../endpoints';
import { EmulatorHttpError } from '../http-error';
import { guidParam, readAnswerXmlField, readOptionalBoolean, requireWorkItem, under } from './request-fields';
import { sessionJson } from './work-item-json';

const SESSION_IN_PROGRESS = 'An assembly session is already in progress for this work item';
const NO_ACTIVE_SESSION = 'No assembly session is in progress for this work item';

export function registerSessionRoutes(app: FastifyInstance, runtime: EmulatorRuntime): void {
  registerAdvanceEndpoint(
    app,
    runtime,
    {
      name: 'beginSession',
      method: 'PUT',
      // v1.1 "begin an assembly session" and v2.0 "create a new work item version": one call.
      paths: under(ALL_API_BASE_PATHS, '/WorkItems/:id/Versions/:versionId'),
    },
    (call) => {
      call.authorize();
      const id = guidParam(call, 'id', 'The work item id');
      const versionId = guidParam(call, 'versionId', 'The version id');
      const body = call.body({ allowEmpty: true });
      const answerXml = readAnswerXmlField(body.get('answerXml'));
      if (answerXml.problem !== undefined) throw EmulatorHttpError.badRequest(answerXml.problem);
      const forceCreate = readOptionalBoolean(body.get('forceCreate'), 'forceCreate', false);
      const item = requireWorkItem(runtime, id);

      const activeVersionId = item.activeVersionId;
      const duplicate = (outcome: DuplicateOutcome, status: number): void =>
        runtime.duplicates.record({
          endpoint: 'beginSession',
          workItemId: id,
          versionId,
          activeVersionId,
          outcome,
          status,
        });

      const outcome = runtime.store.begin(item, {
        versionId,
        ...(answerXml.answers !== undefined && { answers: answerXml.answers }),
        forceCreate,
        interviewJsUrlFor: (coreSessionId) => runtime.interviewJsUrl(coreSessionId),
      });
      switch (outcome.kind) {
        case 'begun':
          return { status: 200, body: sessionJson(item, outcome.version) };
        case 'repeat': {
          if (runtime.behaviour.repeatBegin === 'idempotent') {
            duplicate('repeat-idempotent', 200);
            return { status: 200, body: sessionJson(item, outcome.version) };
          }
          const status = runtime.behaviour.sessionInProgressStatus;
          duplicate('repeat-rejected', status);
          throw new EmulatorHttpError(status, SESSION_IN_PROGRESS);
        }
        case 'in-progress': {
          const status = runtime.behaviour.sessionInProgressStatus;
          duplicate('session-in-progress', status);
          throw new EmulatorHttpError(status, SESSION_IN_PROGRESS);
        }
        case 'version-exists':
          duplicate('version-exists', 409);
          throw new EmulatorHttpError(409, `Version ${versionId} already exists for this work item`);
      }
    },
  );

  registerAdvanceEndpoint(
    app,
    runtime,
    {
      name: 'saveSession',
      method: 'PUT',
      paths: under(API_BASE_PATHS, '/WorkItems/:id/Versions/Active/SaveSession'),
    },
    (call) => {
      call.authorize();
      const id = guidParam(call, 'id', 'The work item id');
      call.body({ allowEmpty: true });
      const version = runtime.store.save(requireWorkItem(runtime, id));
      if (version === undefined) {
        throw new EmulatorHttpError(runtime.behaviour.noActiveSessionStatus, NO_ACTIVE_SESSION);
      }
      call.note({ versionId: version.versionId });
      return { status: 200, body: { versionId: version.versionId, status: version.status } };
    },
  );

  registerAdvanceEndpoint(
    app,
    runtime,
    {
      name: 'completeSession',
      method: 'PUT',
      paths: under(API_BASE_PATHS, '/WorkItems/:id/Versions/Active/CompleteSession'),
    },
    (call) => {
      call.authorize();
      const id = guidParam(call, 'id', 'The work item id');
      const runAssembly = readOptionalBoolean(
        call.body({ allowEmpty: true }).get('runAssembly'),
        'runAssembly',
        true,
      );
      const version = runtime.store.complete(requireWorkItem(runtime, id), runAssembly);
      if (version === undefined) {
        throw new EmulatorHttpError(runtime.behaviour.noActiveSessionStatus, NO_ACTIVE_SESSION);
      }
      call.note({ versionId: version.versionId });
      const body = { versionId: version.versionId, status: version.status, assembled: version.assembled };
      return { status: 200, body };
    },
  );
}
