import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { CONTRACT_SCHEMAS } from '../../src/client/contract-schemas';
import { caseInsensitiveSource } from '../../src/client/json-schema-patterns';
import { lifecycleInputSchema } from '../../src/client/input-schema';
import { contractSchemaFiles } from '../../tools/schemas/contract-schema-files';

/**
 * The JSON Schema files under schemas/ are what business systems in other languages read: they
 * must be exactly what the zod schemas generate today, and accept and refuse what those do.
 */

const DIR = path.resolve(__dirname, '..', '..', 'schemas');
const committed = (file: string) => JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as object;
const GUID = '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11';

test('the committed schema files are current (regenerate with npm run build)', () => {
  const files = contractSchemaFiles();
  const stale = Object.entries(files)
    .filter(([file, text]) => {
      try {
        return readFileSync(path.join(DIR, file), 'utf8') !== text;
      } catch {
        return true;
      }
    })
    .map(([file]) => file);
  expect(stale).toEqual([]);
  expect(readdirSync(DIR).sort()).toEqual(Object.keys(files).sort());
});

test('the contract names the input, the three signals, the update and its result, the status and the result', () => {
  expect(Object.keys(CONTRACT_SCHEMAS)).toEqual(
    expect.arrayContaining([
      'lifecycle-input',
      'interview-completed-signal',
      'request-follow-up-session-signal',
      'finish-signal',
      'begin-follow-up-session-update',
      'begin-follow-up-session-update-result',
      'status-query-result',
      'lifecycle-result',
      'lifecycle-event',
    ]),
  );
});

describe('the files validate as the zod schemas do', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validator = (name: string) =>
    ajv.getSchema(`${name}.json`) ?? ajv.compile(committed(`${name}.json`));

  test.each([
    ['a minimal input', { workItem: { name: 'Lease', workGroupId: GUID, templatePackageId: GUID } }, true],
    [
      'GUIDs in upper case (the workflow accepts either case)',
      { workItem: { name: 'Lease', workGroupId: GUID.toUpperCase(), templatePackageId: GUID } },
      true,
    ],
    [
      'everything',
      {
        businessKey: 'lease/42',
        workItem: { name: 'Lease', workGroupId: GUID, templatePackageId: GUID, description: 'x', id: GUID },
        answerXml: '<AnswerSet/>',
        mode: 'batch',
        runAssembly: false,
        storeDocuments: false,
        interview: { deadline: '14d', reminders: ['1d'] },
        tenancy: 'acme',
        keepOpenFor: '30d',
      },
      true,
    ],
    ['an unknown field', { workItem: { name: 'L', workGroupId: GUID, templatePackageId: GUID }, extra: 1 }, false],
    ['no work item', { businessKey: 'lease-1' }, false],
    ['a malformed GUID', { workItem: { name: 'L', workGroupId: 'nope', templatePackageId: GUID } }, false],
    [
      'an unknown mode',
      { workItem: { name: 'L', workGroupId: GUID, templatePackageId: GUID }, mode: 'later' },
      false,
    ],
  ])('lifecycle input: %s', (_what, input, valid) => {
    expect(validator('lifecycle-input')(input)).toBe(valid);
    expect(lifecycleInputSchema.safeParse(input).success).toBe(valid);
  });

  test('signals and the update', () => {
    expect(validator('interview-completed-signal')({ versionId: GUID })).toBe(true);
    expect(validator('interview-completed-signal')({ versionId: 'v1' })).toBe(false);
    expect(validator('request-follow-up-session-signal')({ mode: 'batch', requestId: 'r-1' })).toBe(true);
    expect(validator('begin-follow-up-session-update')({ runAssembly: 'yes' })).toBe(false);
    expect(validator('finish-signal')(null)).toBe(true);
  });

  test('a status and a result as a lifecycle returns them', () => {
    const session = {
      versionId: GUID,
      mode: 'interview',
      completedAt: '2026-01-01T00:00:00.000Z',
      assembled: true,
      documents: [
        {
          documentId: GUID,
          name: 'Lease',
          fileName: 'Lease.pdf',
          contentType: 'application/pdf',
          size: 10,
          sha256: 'a'.repeat(64),
          reference: 's3://documents/x',
        },
      ],
    };
    const status = {
      stage: 'completed',
      workItemId: GUID,
      workItemCreated: true,
      completedSessions: [session],
      queuedFollowUps: [],
      rejectedSignals: [],
      reminders: [],
      finishRequested: false,
      continuedAsNew: 0,
    };
    expect(validator('status-query-result')(status)).toBe(true);
    expect(validator('status-query-result')({ ...status, stage: 'resting' })).toBe(false);
    expect(validator('lifecycle-result')({ outcome: 'completed', workItemId: GUID, sessions: [session] })).toBe(
      true,
    );
  });
});

test('a webhook event as the lifecycle posts it, and one a receiver must refuse', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(committed('lifecycle-event.json'));
  const event = {
    id: 'evt-1',
    type: 'session.completed',
    occurredAt: '2026-01-01T00:00:00.000Z',
    lifecycleId: 'assembly-lease-42',
    businessKey: 'lease-42',
    workItemId: GUID,
    versionId: GUID,
    documents: [{ documentId: GUID, fileName: 'Lease.pdf', size: 10, sha256: 'b'.repeat(64) }],
    outcome: 'assembled',
    addedLater: true,
  };
  expect(validate(event)).toBe(true);
  expect(validate({ ...event, type: 'session.started' })).toBe(false);
  expect(validate({ ...event, documents: [{ documentId: GUID, fileName: 'x', sha256: 'not-hex' }] })).toBe(false);
});

test('case-insensitive patterns spell their letters in both cases', () => {
  expect(caseInsensitiveSource('^[0-9a-f]{2}x\\d$')).toBe('^[0-9a-fA-F]{2}[xX]\\d$');
});
