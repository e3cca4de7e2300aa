import type { FastifyInstance } from 'fastify';
import { registerAdvanceEndpoint, type AdvanceCall } from '../advance-endpoint';
import type { AnswerSet } from '../answers/answer-set';
import { AnswerXmlError, parseAnswerXml } from '../answers/parse-answer-xml';
import { writeAnswerXml } from '../answers/write-answer-xml';
import type { EmulatorRuntime } from '../emulator-runtime';
import { API_BASE_PATHS_BY_VERSION } from '../endpoints';
import { EmulatorHttpError } from '../http-error';
import { parseJsonText } from '../json-body';
import type { VersionRecord, VersionStatus, WorkItemRecord } from '../work-item-model';
import type { ParsedAnswers } from '../work-item-store';
import { guidParam, requireWorkItem, under } from './request-fields';

const V2 = API_BASE_PATHS_BY_VERSION['v2.0'];
const PATH = under(V2, '/WorkItems/:id/AnswerSet/Content');

/** The statuses the answer-set pages allow an update in (shared/advance-api-v2.md §8). */
export const ANSWER_SET_UPDATABLE: readonly VersionStatus[] = ['Saved', 'Completed', 'PostProcessingFailed'];

/**
 * v2.0 `GET`, `PUT` and `PATCH /WorkItems/{id}/AnswerSet/Content`: the answer set of the work
 * item's latest version. The pages document the calls and that an update needs
 * that version Saved, Completed or PostProcessingFailed; the content's format and the refusal's
 * status are switches (`answerSetFormat`, `answerSetUpdateRefusalStatus`). A `PUT` replaces the
 * answers; a `PATCH` replaces the answers it names and keeps the others. The version's documents
 * are not assembled again by an update, but by the next processing of the version (a post-assembly
 * rerun), which reads the answers as they are then.
 */
export function registerAnswerSetRoutes(app: FastifyInstance, runtime: EmulatorRuntime): void {
  registerAdvanceEndpoint(app, runtime, { name: 'getAnswerSet', method: 'GET', paths: PATH }, (call) => {
    call.authorize();
    const { item, version } = answerSetOf(runtime, call);
    const xml = version?.answerXml ?? item.answerXml;
    if (xml === null || xml === undefined) {
      throw EmulatorHttpError.notFound(`Work item ${item.id} has no answer set yet`);
    }
    if (version !== undefined) call.note({ versionId: version.versionId });
    if (runtime.behaviour.answerSetFormat === 'json')
      return { status: 200, body: JSON.stringify(xml), contentType: 'application/json; charset=utf-8' };
    return { status: 200, body: xml, contentType: 'application/xml; charset=utf-8' };
  });

  registerAdvanceEndpoint(app, runtime, { name: 'putAnswerSet', method: 'PUT', paths: PATH }, (call) => {
    call.authorize();
    const { version } = updatableVersion(runtime, call);
    runtime.store.replaceAnswers(version, readAnswers(call));
    return { status: 204 };
  });

  registerAdvanceEndpoint(app, runtime, { name: 'patchAnswerSet', method: 'PATCH', paths: PATH }, (call) => {
    call.authorize();
    const { version } = updatableVersion(runtime, call);
    const set = mergeAnswers(version.answers, readAnswers(call).set);
    runtime.store.replaceAnswers(version, { xml: writeAnswerXml(set), set });
    return { status: 204 };
  });
}

function answerSetOf(
  runtime: EmulatorRuntime,
  call: AdvanceCall,
): { item: WorkItemRecord; version?: VersionRecord } {
  const item = requireWorkItem(runtime, guidParam(call, 'id', 'The work item id'));
  return { item, version: runtime.store.answerSetVersion(item) };
}

function updatableVersion(runtime: EmulatorRuntime, call: AdvanceCall): { version: VersionRecord } {
  const { item, version } = answerSetOf(runtime, call);
  if (version === undefined) {
    throw new EmulatorHttpError(
      runtime.behaviour.answerSetUpdateRefusalStatus,
      `Work item ${item.id} has no version whose answers could be updated`,
    );
  }
  call.note({ versionId: version.versionId });
  if (!ANSWER_SET_UPDATABLE.includes(version.status)) {
    throw new EmulatorHttpError(
      runtime.behaviour.answerSetUpdateRefusalStatus,
      `Version ${version.versionId} is ${version.status}: its answers can be updated only while it is ` +
        ANSWER_SET_UPDATABLE.join(', '),
    );
  }
  return { version };
}

/** The body: the answer XML itself, or (sent as JSON) a JSON string holding it. */
function readAnswers(call: AdvanceCall): ParsedAnswers {
  const raw = (call.request.body as string | undefined) ?? '';
  const json = /json/i.test(call.request.headers['content-type'] ?? '');
  const xml = json ? parseJsonText(raw) : raw;
  if (typeof xml !== 'string' || xml.trim() === '') {
    throw EmulatorHttpError.badRequest('The body must be answer XML (or, as JSON, a string holding it)');
  }
  try {
    return { xml, set: parseAnswerXml(xml) };
  } catch (error) {
    if (error instanceof AnswerXmlError) {
      throw EmulatorHttpError.badRequest(
        `The answer XML is not a valid AnswerSet at ${error.line}:${error.column}: ${error.problem}`,
      );
    }
    throw error;
  }
}

/** The answers of `base` with those named in `patch` replaced, and the new ones appended. */
export function mergeAnswers(base: AnswerSet, patch: AnswerSet): AnswerSet {
  const patched = new Map(patch.answers.map((answer) => [answer.name, answer]));
  const kept = base.answers.map((answer) => patched.get(answer.name) ?? answer);
  const known = new Set(base.answers.map((answer) => answer.name));
  return {
    attributes: base.attributes,
    answers: [...kept, ...patch.answers.filter((answer) => !known.has(answer.name))],
  };
}
