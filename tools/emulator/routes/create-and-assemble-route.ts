import type { FastifyInstance } from 'fastify';
import type { AdvanceCall } from '../advance-endpoint';
import { registerAdvanceEndpoint } from '../advance-endpoint';
import type { DuplicateOutcome } from '../duplicate-log';
import type { EmulatorRuntime } from '../emulator-runtime';
import { API_BASE_PATHS_BY_VERSION } from '../endpoints';
import { EmulatorHttpError } from '../http-error';
import { answerCompletion, completionTiming, versionAnswer } from './completion-answer';
import { guidParam, readAnswerXmlField, readCallbackFields, requireWorkItem, under } from './request-fields';
import { requireInProgress } from './version-routes';

const SESSION_IN_PROGRESS = 'An assembly session is already in progress for this work item';

/**
 * v2.0 CreateAndAssemble (documented on HotDocs' staging help site only): creates the version and
 * completes it in one call. Switchable off (404 or 405), as on a server that does not have it.
 */
export function registerCreateAndAssembleRoute(app: FastifyInstance, runtime: EmulatorRuntime): void {
  registerAdvanceEndpoint(
    app,
    runtime,
    {
      name: 'createAndAssemble',
      method: 'PUT',
      paths: under(API_BASE_PATHS_BY_VERSION['v2.0'], '/WorkItems/:id/Versions/:versionId/CreateAndAssemble'),
    },
    (call) => {
      refuseWhenSwitchedOff(runtime, call);
      call.authorize();
      const id = guidParam(call, 'id', 'The work item id');
      const versionId = guidParam(call, 'versionId', 'The version id');
      const body = call.body({ allowEmpty: true });
      const answerXml = readAnswerXmlField(body.get('answerXml'));
      if (answerXml.problem !== undefined) throw EmulatorHttpError.badRequest(answerXml.problem);
      const callback = readCallbackFields(body);
      const item = requireWorkItem(runtime, id);

      const activeVersionId = item.activeVersionId;
      const duplicate = (outcome: DuplicateOutcome, status: number): void =>
        runtime.duplicates.record({
          endpoint: 'createAndAssemble',
          workItemId: id,
          versionId,
          activeVersionId,
          outcome,
          status,
        });

      const begun = runtime.store.begin(item, {
        versionId,
        ...(answerXml.answers !== undefined && { answers: answerXml.answers }),
        forceCreate: false,
        interviewJsUrlFor: (coreSessionId) => runtime.interviewJsUrl(coreSessionId),
      });
      switch (begun.kind) {
        case 'begun': {
          const completed = runtime.store.completeVersion(item, versionId, completionTiming(runtime));
          const version = requireInProgress(runtime, completed, id, versionId);
          return answerCompletion(runtime, call, item, version, callback);
        }
        case 'repeat':
        case 'version-exists': {
          if (runtime.behaviour.repeatCreateAndAssemble === 'conflict') {
            duplicate('repeat-rejected', 409);
            throw new EmulatorHttpError(409, `Version ${versionId} already exists for this work item`);
          }
          const answer = versionAnswer(runtime, call, item, begun.version);
          duplicate('repeat-status', answer.status);
          return answer;
        }
        case 'in-progress': {
          const status = runtime.behaviour.sessionInProgressStatus;
          duplicate('session-in-progress', status);
          throw new EmulatorHttpError(status, SESSION_IN_PROGRESS);
        }
      }
    },
  );
}

/** A server without the call: no route (404), or a route that refuses the method (405). */
function refuseWhenSwitchedOff(runtime: EmulatorRuntime, call: AdvanceCall): void {
  const mode = runtime.behaviour.createAndAssemble;
  if (mode === 'not-found') {
    throw EmulatorHttpError.notFound(`No route for ${call.request.method} ${call.request.url}`);
  }
  if (mode === 'method-not-allowed') {
    throw new EmulatorHttpError(405, `Method ${call.request.method} is not allowed here`, { allow: 'GET' });
  }
}
