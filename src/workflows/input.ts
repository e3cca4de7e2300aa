import { parseDuration } from './duration';
import type { FollowUpRequest, LifecycleInput, NormalizedLifecycleInput, SessionMode } from './input-schema';

/**
 * Input checks inside the workflow: a start from any Temporal client (the `temporal` CLI, another
 * SDK) gets the same rules as our client and gateway, which use the zod schemas of
 * `input-schema.ts`. Written without dependencies on purpose — the workflow sandbox evaluates
 * every module it imports again for every execution (see input-schema.ts) — and kept in step with
 * the schemas by `test/workflows/input-parity.test.ts`. Answer XML is checked in full (XML
 * parser) at the edge and by the activities; here only its size and type.
 */

export type { FollowUpRequest, LifecycleInput, NormalizedLifecycleInput, SessionMode };
export interface InterviewCompletedSignal {
  versionId: string;
}

export const MAX_ANSWER_XML_CHARS = 1024 * 1024;
export const MAX_REMINDERS = 20;

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: string[] };

type Json = Record<string, unknown>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BUSINESS_KEY = /^[A-Za-z0-9._:@/-]+$/;
const TENANCY = /^[A-Za-z0-9][A-Za-z0-9.:-]{0,99}$/;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;
const INPUT_KEYS = [
  'businessKey',
  'workItem',
  'answerXml',
  'mode',
  'runAssembly',
  'storeDocuments',
  'interview',
  'tenancy',
  'keepOpenFor',
];
const WORK_ITEM_KEYS = ['id', 'name', 'workGroupId', 'templatePackageId', 'description'];

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Collects problems; `get` reads a field as zod's optional() does (undefined = absent). */
class Problems {
  readonly list: string[] = [];
  add(problem: string): void {
    this.list.push(problem);
  }
  unknownKeys(object: Json, allowed: string[], where?: string): void {
    const unknown = Object.keys(object).filter((k) => !allowed.includes(k));
    if (unknown.length > 0) this.add(`unknown field(s)${where ? ` in ${where}` : ''}: ${unknown.join(', ')}`);
  }
  guid(value: unknown, what: string): string | undefined {
    if (typeof value !== 'string') return void this.add(`${what} must be a GUID string`);
    if (!GUID.test(value)) return void this.add(`${what} must be a GUID (8-4-4-4-12 hex digits)`);
    return value;
  }
  bool(value: unknown, what: string, fallback?: boolean): boolean | undefined {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') return void this.add(`${what} must be true or false`);
    return value;
  }
  duration(value: unknown, what: string, { allowZero = false } = {}): string | undefined {
    if (typeof value !== 'string') {
      return void this.add(`${what} must be a duration string such as "24h" or "14d"`);
    }
    const ms = parseDuration(value);
    if (ms === undefined || (allowZero ? ms < 0 : ms <= 0)) {
      return void this.add(`${what} must be a duration such as "30m", "24h" or "14d"`);
    }
    return value;
  }
  mode(value: unknown): SessionMode | undefined {
    if (value === 'interview' || value === 'batch') return value;
    return void this.add('mode must be "interview" or "batch"');
  }
  answerXml(value: unknown): string | undefined {
    if (typeof value !== 'string') return void this.add('answerXml must be a string');
    if (value.length > MAX_ANSWER_XML_CHARS) {
      return void this.add(`answerXml must be at most ${MAX_ANSWER_XML_CHARS} characters`);
    }
    if (value.trim() === '') return void this.add('answerXml must not be empty (leave it out instead)');
    return value;
  }
  result<T>(value: T): Checked<T> {
    return this.list.length === 0 ? { ok: true, value } : { ok: false, problems: this.list };
  }
}

function checkWorkItem(value: unknown, p: Problems): NormalizedLifecycleInput['workItem'] | undefined {
  if (!isObject(value)) return void p.add('workItem is required: { name, workGroupId, templatePackageId }');
  const workItem: Partial<NormalizedLifecycleInput['workItem']> = {};
  if (value['id'] !== undefined) workItem.id = p.guid(value['id'], 'workItem.id');
  const name = value['name'];
  if (typeof name !== 'string') p.add('workItem.name must be a string');
  else if (name.trim() === '') p.add('workItem.name is required');
  else if (name.trim().length > 255) p.add('workItem.name must be at most 255 characters');
  else workItem.name = name.trim();
  workItem.workGroupId = p.guid(value['workGroupId'], 'workItem.workGroupId');
  workItem.templatePackageId = p.guid(value['templatePackageId'], 'workItem.templatePackageId');
  const description = value['description'];
  if (description !== undefined) {
    if (typeof description !== 'string') p.add('workItem.description must be a string');
    else if (description.length > 2000) p.add('workItem.description must be at most 2000 characters');
    else workItem.description = description;
  }
  p.unknownKeys(value, WORK_ITEM_KEYS, 'workItem');
  return workItem as NormalizedLifecycleInput['workItem'];
}

function checkInterview(value: unknown, p: Problems): NormalizedLifecycleInput['interview'] {
  if (value === undefined) return undefined;
  if (!isObject(value)) return void p.add('interview must be an object: { deadline?, reminders? }');
  const interview: NonNullable<NormalizedLifecycleInput['interview']> = {};
  if (value['deadline'] !== undefined)
    interview.deadline = p.duration(value['deadline'], 'interview.deadline');
  const reminders = value['reminders'];
  if (reminders !== undefined) {
    if (!Array.isArray(reminders)) p.add('interview.reminders must be a list of durations');
    else if (reminders.length > MAX_REMINDERS) {
      p.add(`interview.reminders may hold at most ${MAX_REMINDERS} entries`);
    } else interview.reminders = reminders.map((r) => p.duration(r, 'interview.reminders[]') ?? '');
  }
  p.unknownKeys(value, ['deadline', 'reminders'], 'interview');
  return interview;
}

/** Checks a lifecycle's input and applies its defaults. */
export function checkLifecycleInput(value: unknown): Checked<NormalizedLifecycleInput> {
  const p = new Problems();
  if (!isObject(value)) {
    p.add(
      'the lifecycle input must be a JSON object: { workItem: { name, workGroupId, templatePackageId }, ... }',
    );
    return p.result(undefined as unknown as NormalizedLifecycleInput);
  }
  const input: Partial<NormalizedLifecycleInput> = {};
  const businessKey = value['businessKey'];
  if (businessKey !== undefined) {
    if (typeof businessKey !== 'string') p.add('businessKey must be a string');
    else {
      // Each rule on its own, as zod reports them.
      const before = p.list.length;
      if (businessKey.length === 0) p.add('businessKey must not be empty');
      if (businessKey.length > 200) p.add('businessKey must be at most 200 characters');
      if (!BUSINESS_KEY.test(businessKey)) p.add('businessKey may only hold letters, digits and . _ : @ / -');
      if (p.list.length === before) input.businessKey = businessKey;
    }
  }
  input.workItem = checkWorkItem(value['workItem'], p);
  if (value['answerXml'] !== undefined) input.answerXml = p.answerXml(value['answerXml']);
  input.mode = value['mode'] === undefined ? 'interview' : p.mode(value['mode']);
  input.runAssembly = p.bool(value['runAssembly'], 'runAssembly', true);
  input.storeDocuments = p.bool(value['storeDocuments'], 'storeDocuments', true);
  const interview = checkInterview(value['interview'], p);
  if (interview !== undefined) input.interview = interview;
  const tenancy = value['tenancy'];
  if (tenancy !== undefined) {
    if (typeof tenancy !== 'string') p.add('tenancy must be a string');
    else if (!TENANCY.test(tenancy)) p.add('tenancy must be a tenancy name (letters, digits, . : -)');
    else input.tenancy = tenancy;
  }
  if (value['keepOpenFor'] !== undefined) {
    input.keepOpenFor = p.duration(value['keepOpenFor'], 'keepOpenFor', { allowZero: true });
  }
  p.unknownKeys(value, INPUT_KEYS);
  // Like zod's refinement, the reminder rule runs only once every field is valid on its own.
  if (p.list.length === 0 && input.interview?.deadline !== undefined) {
    const deadline = parseDuration(input.interview.deadline) ?? 0;
    for (const reminder of input.interview.reminders ?? []) {
      if ((parseDuration(reminder) ?? 0) >= deadline) {
        p.add(`interview.reminders: "${reminder}" is not before the deadline`);
      }
    }
  }
  return p.result(input as NormalizedLifecycleInput);
}

/** Checks a follow-up request (absent = `{}`). */
export function checkFollowUpRequest(value: unknown): Checked<FollowUpRequest> {
  const p = new Problems();
  const request = value ?? {};
  if (!isObject(request)) {
    p.add('a follow-up request must be a JSON object: { answerXml?, mode?, runAssembly?, requestId? }');
    return p.result({});
  }
  const followUp: FollowUpRequest = {};
  if (request['answerXml'] !== undefined) followUp.answerXml = p.answerXml(request['answerXml']);
  if (request['mode'] !== undefined) followUp.mode = p.mode(request['mode']);
  if (request['runAssembly'] !== undefined)
    followUp.runAssembly = p.bool(request['runAssembly'], 'runAssembly');
  const requestId = request['requestId'];
  if (requestId !== undefined) {
    if (typeof requestId !== 'string') p.add('requestId must be a string');
    else if (!REQUEST_ID.test(requestId)) p.add('requestId may hold 1-100 letters, digits and . _ : -');
    else followUp.requestId = requestId;
  }
  p.unknownKeys(request, ['answerXml', 'mode', 'runAssembly', 'requestId']);
  return p.result(followUp);
}

export function checkInterviewCompleted(value: unknown): Checked<InterviewCompletedSignal> {
  const p = new Problems();
  if (!isObject(value)) {
    p.add('expected { versionId }');
    return p.result({ versionId: '' });
  }
  const versionId = p.guid(value['versionId'], 'versionId');
  p.unknownKeys(value, ['versionId']);
  return p.result({ versionId: versionId ?? '' });
}
