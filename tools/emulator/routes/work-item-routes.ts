import type { FastifyInstance } from 'fastify';
import { registerAdvanceEndpoint } from '../advance-endpoint';
import type { EmulatorRuntime } from '../emulator-runtime';
import { ALL_API_BASE_PATHS } from '../endpoints';
import { GUID_FORMAT_HINT, isGuid, normaliseGuid } from '../guid';
import { EmulatorHttpError } from '../http-error';
import type { JsonBody } from '../json-body';
import type { WorkItemFields } from '../work-item-store';
import { guidParam, readAnswerXmlField, requireWorkItem, under } from './request-fields';
import { workItemJson } from './work-item-json';

const MAX_NAME_LENGTH = 255;

export function registerWorkItemRoutes(app: FastifyInstance, runtime: EmulatorRuntime): void {
  const paths = under(ALL_API_BASE_PATHS, '/WorkItems/:id');

  registerAdvanceEndpoint(app, runtime, { name: 'createWorkItem', method: 'PUT', paths }, (call) => {
    call.authorize();
    const id = guidParam(call, 'id', 'The work item id');
    const fields = readWorkItemFields(call.body());
    checkAllowLists(runtime, fields);

    const existing = runtime.store.find(id);
    if (existing !== undefined) {
      // The caller chose the GUID, so a second PUT is usually its own retry; Advance's answer is open.
      const mode = runtime.behaviour.duplicateCreate;
      if (mode === 'conflict') {
        runtime.duplicates.record({
          endpoint: 'createWorkItem',
          workItemId: id,
          outcome: 'conflict',
          status: 409,
        });
        throw new EmulatorHttpError(409, `A work item with id ${id} already exists`);
      }
      if (mode === 'update') runtime.store.update(existing, fields);
      runtime.duplicates.record({ endpoint: 'createWorkItem', workItemId: id, outcome: mode, status: 200 });
      return { status: 200, body: workItemJson(existing, runtime.behaviour) };
    }

    const item = runtime.store.create(id, fields);
    const status = runtime.behaviour.createSuccessStatus;
    if (status === 204) return { status };
    const location = status === 201 ? { location: call.request.url.split('?')[0] ?? '' } : undefined;
    return { status, body: workItemJson(item, runtime.behaviour), headers: location };
  });

  registerAdvanceEndpoint(app, runtime, { name: 'getWorkItem', method: 'GET', paths }, (call) => {
    call.authorize();
    const item = requireWorkItem(runtime, guidParam(call, 'id', 'The work item id'));
    return { status: 200, body: workItemJson(item, runtime.behaviour) };
  });
}

/** Checks every field and reports all problems at once, each naming its field. */
function readWorkItemFields(body: JsonBody): WorkItemFields {
  const problems: string[] = [];
  const guidField = (field: string): string => {
    const value = body.get(field);
    if (isGuid(value)) return normaliseGuid(value);
    problems.push(value === undefined ? `${field} is required` : `${field} must be ${GUID_FORMAT_HINT}`);
    return '';
  };
  const workGroupId = guidField('workGroupId');
  const templatePackageId = guidField('templatePackageId');

  const name = body.get('name');
  if (typeof name !== 'string' || name.trim() === '') problems.push('name is required and must not be empty');
  else if (name.length > MAX_NAME_LENGTH) problems.push(`name must be at most ${MAX_NAME_LENGTH} characters`);

  const description = body.get('description') ?? '';
  if (typeof description !== 'string') problems.push('description must be a string');

  const answerXml = readAnswerXmlField(body.get('answerXml'));
  if (answerXml.problem !== undefined) problems.push(answerXml.problem);

  if (problems.length > 0) throw EmulatorHttpError.badRequest(`Invalid work item: ${problems.join('; ')}`);
  return {
    name: name as string,
    description: description as string,
    workGroupId,
    templatePackageId,
    ...(answerXml.answers !== undefined && { answers: answerXml.answers }),
  };
}

function checkAllowLists(runtime: EmulatorRuntime, fields: WorkItemFields): void {
  const { workGroupIds, templatePackageIds } = runtime.options;
  if (workGroupIds !== undefined && !workGroupIds.some((id) => normaliseGuid(id) === fields.workGroupId)) {
    throw EmulatorHttpError.notFound(`Work group ${fields.workGroupId} not found`);
  }
  if (
    templatePackageIds !== undefined &&
    !templatePackageIds.some((id) => normaliseGuid(id) === fields.templatePackageId)
  ) {
    throw EmulatorHttpError.notFound(`Template package ${fields.templatePackageId} not found`);
  }
}
