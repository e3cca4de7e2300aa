import { bundleWorkflowCode } from '@temporalio/worker';
import {
  checkCompleteInterviewRequest,
  checkFollowUpRequest,
  checkInterviewCompleted,
  checkLifecycleInput,
} from '../../src/workflows/input';
import {
  checkCompleteInterviewRequestBySchema,
  checkFollowUpRequestBySchema,
  checkInterviewCompletedBySchema,
  checkLifecycleInputBySchema,
} from '../../src/client/input-schema';

/**
 * The workflow checks its input without zod (input.ts), the edge with zod (input-schema.ts): both
 * must give the same verdict, the same problems and the same normalised value for every input.
 */

const GUID = '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11';
const workItem = { name: 'Lease', workGroupId: GUID, templatePackageId: GUID };
const valid = { workItem };
const xml = '<AnswerSet/>';

const lifecycleInputs: Array<[string, unknown]> = [
  ['minimal', valid],
  [
    'everything',
    {
      businessKey: 'crm:lease/42@acme',
      workItem: { ...workItem, id: GUID, description: 'd', name: '  padded  ' },
      answerXml: xml,
      mode: 'batch',
      runAssembly: false,
      storeDocuments: false,
      interview: { deadline: '14d', reminders: ['1d', '7d'] },
      tenancy: 'acme.example:1',
      keepOpenFor: '0s',
    },
  ],
  ['undefined fields are absent', { ...valid, answerXml: undefined, mode: undefined, interview: undefined }],
  ['null', null],
  ['array', []],
  ['string', 'lease'],
  ['empty object', {}],
  ['workItem not an object', { workItem: 'x' }],
  ['workItem null', { workItem: null }],
  ['name missing', { workItem: { workGroupId: GUID, templatePackageId: GUID } }],
  ['name blank', { workItem: { ...workItem, name: '   ' } }],
  ['name 256', { workItem: { ...workItem, name: 'x'.repeat(256) } }],
  ['name number', { workItem: { ...workItem, name: 5 } }],
  ['bad GUIDs', { workItem: { ...workItem, workGroupId: 'x', templatePackageId: 7, id: 'y' } }],
  ['description too long', { workItem: { ...workItem, description: 'x'.repeat(2001) } }],
  ['description number', { workItem: { ...workItem, description: 1 } }],
  ['unknown keys', { ...valid, colour: 1, size: 2 }],
  ['unknown workItem key', { workItem: { ...workItem, owner: 'ann' } }],
  ['businessKey empty', { ...valid, businessKey: '' }],
  ['businessKey spaces', { ...valid, businessKey: 'a b' }],
  ['businessKey long', { ...valid, businessKey: 'x'.repeat(201) }],
  ['businessKey number', { ...valid, businessKey: 42 }],
  ['answerXml blank', { ...valid, answerXml: ' ' }],
  ['answerXml number', { ...valid, answerXml: 1 }],
  ['answerXml too long', { ...valid, answerXml: 'x'.repeat(1024 * 1024 + 1) }],
  ['mode unknown', { ...valid, mode: 'fax' }],
  ['mode null', { ...valid, mode: null }],
  ['runAssembly string', { ...valid, runAssembly: 'yes' }],
  ['storeDocuments number', { ...valid, storeDocuments: 0 }],
  ['interview not an object', { ...valid, interview: 'soon' }],
  ['deadline bad', { ...valid, interview: { deadline: 'soon' } }],
  ['deadline zero', { ...valid, interview: { deadline: '0s' } }],
  ['deadline number', { ...valid, interview: { deadline: 5 } }],
  ['reminders not a list', { ...valid, interview: { reminders: '1d' } }],
  ['reminders too many', { ...valid, interview: { reminders: Array(21).fill('1h') } }],
  ['reminder bad', { ...valid, interview: { reminders: ['1d', 'x'] } }],
  ['reminder after deadline', { ...valid, interview: { deadline: '2d', reminders: ['1d', '3d', '2d'] } }],
  [
    'reminder after deadline with another problem',
    { ...valid, mode: 'x', interview: { deadline: '2d', reminders: ['3d'] } },
  ],
  ['unknown interview key', { ...valid, interview: { deadline: '1d', escalate: true } }],
  ['tenancy bad', { ...valid, tenancy: '-acme' }],
  ['tenancy number', { ...valid, tenancy: 1 }],
  ['keepOpenFor bad', { ...valid, keepOpenFor: '-1d' }],
  ['attentionRetryEvery', { ...valid, attentionRetryEvery: '5m' }],
  ['attentionRetryEvery zero', { ...valid, attentionRetryEvery: '0s' }],
  ['attentionRetryEvery 1ms', { ...valid, attentionRetryEvery: '1ms' }],
  ['attentionRetryEvery 59s', { ...valid, attentionRetryEvery: '59s' }],
  ['attentionRetryEvery 1m', { ...valid, attentionRetryEvery: '1m' }],
  ['attentionRetryEvery not a duration', { ...valid, attentionRetryEvery: 15 }],
  ['followUpLimits', { ...valid, followUpLimits: { queued: 3, queuedAnswerXmlBytes: 4096 } }],
  [
    'followUpLimits at the ceilings',
    { ...valid, followUpLimits: { queued: 100, queuedAnswerXmlBytes: 1572864 } },
  ],
  ['followUpLimits empty', { ...valid, followUpLimits: {} }],
  ['followUpLimits not an object', { ...valid, followUpLimits: 3 }],
  ['followUpLimits queued zero', { ...valid, followUpLimits: { queued: 0 } }],
  ['followUpLimits queued fraction', { ...valid, followUpLimits: { queued: 0.5 } }],
  ['followUpLimits queued over the ceiling', { ...valid, followUpLimits: { queued: 101 } }],
  ['followUpLimits queued string', { ...valid, followUpLimits: { queued: '3' } }],
  ['followUpLimits bytes over the ceiling', { ...valid, followUpLimits: { queuedAnswerXmlBytes: 1572865 } }],
  ['followUpLimits unknown key', { ...valid, followUpLimits: { queued: 2, total: 9 } }],
  [
    'compound durations',
    { ...valid, keepOpenFor: '1d12h', interview: { deadline: '1w', reminders: ['90m'] } },
  ],
];

test.each(lifecycleInputs)('lifecycle input: %s', (...[, input]) => {
  expect(checkLifecycleInput(input)).toEqual(checkLifecycleInputBySchema(input));
});

const followUps: Array<[string, unknown]> = [
  ['absent', undefined],
  ['null', null],
  ['empty', {}],
  ['everything', { answerXml: xml, mode: 'batch', runAssembly: false, requestId: 'crm-17' }],
  ['not an object', 'batch'],
  ['bad mode', { mode: 'fax' }],
  ['bad runAssembly', { runAssembly: 1 }],
  ['blank xml', { answerXml: '' }],
  ['bad requestId', { requestId: 'has spaces' }],
  ['numeric requestId', { requestId: 17 }],
  ['unknown key', { urgent: true }],
];

test.each(followUps)('follow-up request: %s', (...[, request]) => {
  expect(checkFollowUpRequest(request)).toEqual(checkFollowUpRequestBySchema(request));
});

const signals: Array<[string, unknown]> = [
  ['good', { versionId: GUID }],
  ['bad GUID', { versionId: 'v1' }],
  ['missing', {}],
  ['not an object', 'v1'],
  ['unknown key', { versionId: GUID, extra: 1 }],
];

test.each(signals)('interviewCompleted: %s', (...[, signal]) => {
  const hand = checkInterviewCompleted(signal);
  const schema = checkInterviewCompletedBySchema(signal);
  expect(hand.ok).toBe(schema.ok);
  if (hand.ok && schema.ok) expect(hand.value).toEqual(schema.value);
  else expect(hand).toEqual(schema);
});

const completions: Array<[string, unknown]> = [
  ['absent: the session the lifecycle waits for', undefined],
  ['null', null],
  ['empty', {}],
  ['good', { versionId: GUID }],
  ['bad GUID', { versionId: 'v1' }],
  ['numeric versionId', { versionId: 7 }],
  ['not an object', 'v1'],
  ['unknown key', { versionId: GUID, extra: 1 }],
];

test.each(completions)('completeInterview: %s', (...[, request]) => {
  expect(checkCompleteInterviewRequest(request)).toEqual(checkCompleteInterviewRequestBySchema(request));
});

test('zod stays out of the workflow bundle', async () => {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    logger: quiet(),
  });
  expect(code).not.toMatch(/node_modules\/zod\//);
}, 60_000);

function quiet() {
  const nothing = () => undefined;
  return { trace: nothing, debug: nothing, info: nothing, warn: nothing, error: nothing, log: nothing };
}
