import { readFileSync } from 'node:fs';
import path from 'node:path';
import { completeInterviewRequestSchema, interviewCompletedSchema } from '../../src/client/input-schema';
import { lifecycleStatusSchema } from '../../src/client/lifecycle-schemas';
import { lifecycleId as gatewayLifecycleId } from '../../src/gateway/routes/route-common';
import { repairOutcomeSchema, repairRequestSchema } from '../../src/gateway/schemas';
import {
  completionVerdict,
  GUID_PATTERN,
  isGuid,
  isWaitingForInterview,
  LIFECYCLE_STAGES,
  legacyLifecycleWorkflowId,
  lifecycleWorkflowId,
  REPAIR_ACTIONS,
  repairRequestProblems,
  type SessionFacts,
  TENANCY_SEPARATOR,
} from '../../src/workflows/message-rules';
import { checkLifecycleInput } from '../../src/workflows/input';
import { checkLifecycleInputBySchema } from '../../src/client/input-schema';
import { isGuid as emulatorIsGuid } from '../../tools/emulator/guid';

/**
 * The rules of src/workflows/message-rules.ts have copies that cannot import them: zod schemas
 * (the client's, the gateway's, and the JSON Schema files built from them) and the status-side
 * reading of "the session that waits". Each copy is held to the rule here, over a table.
 */

const GUIDS: Array<[string, unknown]> = [
  ['lower case', '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11'],
  ['upper case', '6B1F1D0E-3B7C-4F62-9A57-0C0E8F1D2A11'],
  ['mixed case', '6b1F1d0E-3b7c-4f62-9A57-0c0e8f1d2a11'],
  ['no dashes', '6b1f1d0e3b7c4f629a570c0e8f1d2a11'],
  ['braces', '{6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11}'],
  ['a letter past f', '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a1g'],
  ['one digit short', '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a1'],
  ['trailing newline', '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11\n'],
  ['empty', ''],
  ['a number', 42],
];

test.each(GUIDS)('a GUID (%s): one verdict everywhere', (...[, value]) => {
  const rule = isGuid(value);
  expect(emulatorIsGuid(value)).toBe(rule);
  expect(interviewCompletedSchema.safeParse({ versionId: value }).success).toBe(rule);
  expect(completeInterviewRequestSchema.safeParse({ versionId: value }).success).toBe(rule);
  // The published JSON Schema spells the case-insensitive pattern without flags.
  const published = JSON.parse(
    readFileSync(path.resolve(__dirname, '../../schemas/complete-interview-update.json'), 'utf8'),
  ) as { properties: { versionId: { pattern: string } } };
  const pattern = new RegExp(published.properties.versionId.pattern);
  expect(typeof value === 'string' && pattern.test(value)).toBe(rule);
  expect(GUID_PATTERN.flags).toBe('i');
});

test('the stages the schemas allow are the stages of the rule', () => {
  expect(lifecycleStatusSchema.shape.stage.options).toEqual([...LIFECYCLE_STAGES]);
  expect(repairOutcomeSchema.shape.stage.options).toEqual([...LIFECYCLE_STAGES]);
  expect(repairOutcomeSchema.shape.action.options).toEqual([...REPAIR_ACTIONS]);
});

const REPAIRS: Array<[string, unknown]> = [
  ['retry', { action: 'retry' }],
  ['accept-completed with a note', { action: 'accept-completed', note: 'seen in Advance' }],
  ['abandon, note at the limit', { action: 'abandon', note: 'x'.repeat(500) }],
  ['note over the limit', { action: 'abandon', note: 'x'.repeat(501) }],
  ['note not text', { action: 'retry', note: 5 }],
  ['unknown action', { action: 'reboot' }],
  ['no action', {}],
  ['unknown field', { action: 'retry', colour: 'red' }],
  [
    'retry with corrected answers',
    { action: 'retry', answersRef: { reference: 'file:///s/w/v/a.xml', sha256: 'a'.repeat(64) } },
  ],
  [
    'corrected answers with abandon',
    { action: 'abandon', answersRef: { reference: 'file:///a', sha256: 'a'.repeat(64) } },
  ],
  ['corrected answers without checksum', { action: 'retry', answersRef: { reference: 'file:///a' } }],
  [
    'corrected answers, checksum in capitals',
    { action: 'retry', answersRef: { reference: 'file:///a', sha256: 'A'.repeat(64) } },
  ],
  [
    'corrected answers with an unknown field',
    { action: 'retry', answersRef: { reference: 'file:///a', sha256: 'a'.repeat(64), xml: 'x' } },
  ],
  ['not an object', 'retry'],
  ['null', null],
];

test.each(REPAIRS)("a repair request (%s): the gateway's schema and the rule agree", (...[, request]) => {
  const ruleAccepts = repairRequestProblems(request).length === 0;
  expect(repairRequestSchema.safeParse(request).success).toBe(ruleAccepts);
});

test("every lifecycle id the client makes is one the gateway serves, and no other workflow's", () => {
  const workItem = { id: '6B1F1D0E-3B7C-4F62-9A57-0C0E8F1D2A11' };
  const ids = [
    lifecycleWorkflowId({ businessKey: 'lease-42', workItem: {} }),
    lifecycleWorkflowId({ workItem }),
    lifecycleWorkflowId({ tenancy: 'acme', businessKey: 'lease-42', workItem: {} }),
    lifecycleWorkflowId({ tenancy: 'acme', workItem }),
  ];
  expect(ids).toEqual([
    'assembly-lease-42',
    'assembly-wi-6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11',
    'assembly-acme~lease-42',
    'assembly-acme~wi~6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11',
  ]);
  for (const id of ids) expect(gatewayLifecycleId(id)).toBe(id);
  for (const other of ['lifecycleEventDelivery-1', 'assembly', 'Assembly-lease-42']) {
    expect(() => gatewayLifecycleId(other)).toThrow(`No lifecycle with id "${other}"`);
  }
});

test('no two starts share a lifecycle id: the tenancy is part of it, and its separator is in no key', () => {
  expect(TENANCY_SEPARATOR).toBe('~');
  // Neither checker accepts the separator in a tenancy or a business key.
  for (const input of [
    { tenancy: 'acme~x', businessKey: 'k' },
    { tenancy: 'acme', businessKey: 'wi~k' },
  ]) {
    const full = {
      ...input,
      workItem: { name: 'n', workGroupId: '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11', templatePackageId: 'p' },
    };
    expect(checkLifecycleInput(full).ok).toBe(false);
    expect(checkLifecycleInputBySchema(full).ok).toBe(false);
  }
  // Inputs that a careless scheme would merge: each its own id.
  const guid = '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11';
  const inputs = [
    { businessKey: 'k', workItem: {} },
    { tenancy: 'acme', businessKey: 'k', workItem: {} },
    { tenancy: 'globex', businessKey: 'k', workItem: {} },
    { businessKey: 'acme-k', workItem: {} },
    { tenancy: 'acme', businessKey: `wi-${guid}`, workItem: {} },
    { tenancy: 'acme', workItem: { id: guid } },
    { businessKey: `wi-${guid}`, workItem: {} },
    { tenancy: 'acme', businessKey: `wi`, workItem: {} },
  ];
  const ids = inputs.map(lifecycleWorkflowId);
  expect(new Set(ids).size).toBe(ids.length);
  // A tenanted lifecycle's old id is its id without the tenancy; an untenanted one has none.
  expect(legacyLifecycleWorkflowId({ tenancy: 'acme', businessKey: 'k', workItem: {} })).toBe('assembly-k');
  expect(legacyLifecycleWorkflowId({ tenancy: 'acme', workItem: { id: guid } })).toBe(`assembly-wi-${guid}`);
  expect(legacyLifecycleWorkflowId({ businessKey: 'k', workItem: {} })).toBeUndefined();
  expect(legacyLifecycleWorkflowId({ tenancy: 'acme', workItem: {} })).toBeUndefined();
});

describe('"the session that waits": the interview route (status) and completeInterview without a version (state)', () => {
  const sessions: Array<[string, SessionFacts]> = [
    ['begun, not reported', { versionId: 'v', mode: 'interview', interview: {}, interviewCompleted: false }],
    ['not begun yet', { versionId: 'v', mode: 'interview', interviewCompleted: false }],
    ['reported', { versionId: 'v', mode: 'interview', interview: {}, interviewCompleted: true }],
    ['batch', { versionId: 'v', mode: 'batch', interview: {}, interviewCompleted: false }],
  ];
  const cases = LIFECYCLE_STAGES.flatMap((stage) =>
    sessions.map(([what, session]) => [stage, what, session] as const),
  );

  test.each(cases)('at %s, a session %s', (stage, _, session) => {
    // The route signs a finish link exactly for the session the update would take unnamed.
    const signsLink = isWaitingForInterview(stage, session);
    const verdict = completionVerdict({ stage, active: session, queue: [], completed: [] }, undefined);
    expect(verdict.kind === 'accept').toBe(signsLink);
  });
});
