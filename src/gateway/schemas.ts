import { z } from 'zod';
import {
  BULK_REPAIR_ACTIONS,
  DEFAULT_BULK_REPAIR_LIMIT,
  DEFAULT_BULK_REPAIR_RATE,
  MAX_BULK_REPAIR_LIMIT,
  MAX_BULK_REPAIR_RATE,
} from '../client';
import {
  followUpLimitsSchema,
  followUpRequestSchema,
  interviewSchema,
  lifecycleInputSchema,
  sessionModeSchema,
  workItemSchema,
} from '../client/input-schema';
import {
  activeSessionSchema,
  attentionReasonSchema,
  attentionSchema,
  begunSessionInfoSchema,
  completedSessionSchema,
  eventDeliverySchema,
  eventRecordSchema,
  documentKindSchema,
  eventTypeSchema,
  interviewDataSchema,
  lastErrorSchema,
  lifecycleDocumentSchema,
  lifecycleResultSchema,
  lifecycleStatusSchema,
  queuedFollowUpSchema,
  rejectedMessageSchema,
  reminderSchema,
  repairActionSchema,
  repairRecordSchema,
  stageSchema,
} from '../client/lifecycle-schemas';
import { answersRefSchema, repairNoteSchema, repairRequestShape } from './repair-request-shape';
import { GATEWAY_ERROR_CODES } from './errors';

/**
 * The zod schemas of the gateway's requests and answers. The same objects validate requests
 * (fastify-type-provider-zod), serialize answers and generate /v1/openapi.json (openapi.ts), so
 * the document cannot drift from what the gateway does. Request bodies and answers reuse the
 * lifecycle's own schemas.
 */

/**
 * What the OpenAPI document knows of a schema beyond zod: its component name (`id`), and for a
 * query flag the type it has on the wire. A private registry keeps zod's global one clean (the
 * contract's JSON Schema files would otherwise pull these names in as `$defs`).
 */
export interface GatewaySchemaMeta {
  id?: string;
  description?: string;
  type?: 'boolean';
}
export const gatewaySchemaRegistry = z.registry<GatewaySchemaMeta>();

/**
 * One shape, one component: a generated client gets one class for it wherever it appears. A
 * named schema is the same object in requests and answers; should a shape ever need to differ
 * between the two, it becomes two schemas, each named for what it is (openapi.ts refuses one
 * name with two meanings).
 */
function named<S extends z.ZodType>(schema: S, id: string, description: string): S {
  gatewaySchemaRegistry.add(schema, { id, description });
  return schema;
}

/**
 * The lifecycle's own shapes (src/client), named where the gateway's requests and answers nest
 * them; the mode, stage, repair action, attention reason and event type travel both ways.
 */
const LIFECYCLE_SHAPES: [z.ZodType, string, string][] = [
  [sessionModeSchema, 'SessionMode', 'interview: a person answers in the browser; batch: assembled at once'],
  [
    stageSchema,
    'LifecycleStage',
    'Where the lifecycle is; completed, expired, cancelled and failed are final',
  ],
  [repairActionSchema, 'RepairAction', 'What an operator does about a lifecycle in needs-attention'],
  [attentionReasonSchema, 'AttentionReason', 'Why a lifecycle waits for an operator'],
  [eventTypeSchema, 'LifecycleEventType', 'The kind of an event announced to the completion webhook'],
  [workItemSchema, 'WorkItem', 'The Advance work item the lifecycle creates'],
  [interviewSchema, 'InterviewOptions', "The interview's deadline and reminders"],
  [followUpLimitsSchema, 'FollowUpLimits', 'How many follow-ups (and how many bytes of answers) may wait'],
  [interviewDataSchema, 'SessionInterview', "What shows a session's interview (no access token)"],
  [activeSessionSchema, 'ActiveSession', 'The session being worked on'],
  [lifecycleDocumentSchema, 'SessionDocument', 'An assembled document of a completed session'],
  [completedSessionSchema, 'CompletedSession', 'A session Advance has completed, with its documents'],
  [queuedFollowUpSchema, 'QueuedFollowUp', 'A follow-up waiting for the active session to end'],
  [rejectedMessageSchema, 'RejectedMessage', 'A signal or update the lifecycle refused, and why'],
  [reminderSchema, 'Reminder', 'A reminder sent about a waiting interview'],
  [lastErrorSchema, 'LifecycleError', 'The last failure the lifecycle recorded'],
  [attentionSchema, 'Attention', 'Why the lifecycle waits for an operator, and its retries'],
  [repairRecordSchema, 'RepairRecord', "An operator's repair, on the record"],
  [eventDeliverySchema, 'EventDelivery', 'How an event reached (or did not reach) the completion webhook'],
  [eventRecordSchema, 'EventRecord', 'An event announced to the completion webhook'],
];
for (const [schema, id, description] of LIFECYCLE_SHAPES) named(schema, id, description);

// ---- requests -------------------------------------------------------------------------------

/**
 * The lifecycle input with `businessKey` required: over HTTP a retried POST must find the same
 * lifecycle, so every start names its key.
 */
export const assemblyRequestSchema = named(
  lifecycleInputSchema.safeExtend({ businessKey: lifecycleInputSchema.shape.businessKey.unwrap() }),
  'AssemblyRequest',
  'The lifecycle input; businessKey makes the start idempotent',
);

/** A follow-up request; the body may be left out entirely (the lifecycle's defaults apply). */
export const followUpBodySchema = named(
  followUpRequestSchema,
  'FollowUpRequest',
  'A follow-up session: answers to begin it with, mode, whether to assemble',
).optional();

/**
 * What the interview posts on Finish (form fields or JSON). The signed link carries the
 * authority; a `versionId` given here must match the link's.
 */
export const finishBodySchema = named(
  z.looseObject({
    workItemId: z.string().max(100).optional(),
    versionId: z.string().max(100).optional(),
    coreSessionId: z.string().max(100).optional(),
  }),
  'InterviewFinish',
  'The fields the interview posts on Finish; all optional',
).optional();

named(answersRefSchema, 'AnswersReference', "Corrected answers in the document store: a repair's reference");
/** An operator's repair of a lifecycle in needs-attention (the `repair` update). */
export const repairRequestSchema = named(
  repairRequestShape,
  'RepairRequest',
  "An operator's answer to a lifecycle in needs-attention",
);

const bulkRepairActionSchema = named(
  z.enum(BULK_REPAIR_ACTIONS, { error: `action must be one of ${BULK_REPAIR_ACTIONS.join(', ')}` }),
  'BulkRepairAction',
  'The repairs that can be made in bulk',
);

/** `POST /v1/repairs`: one repair for every lifecycle in needs-attention that a query matches. */
export const bulkRepairRequestSchema = named(
  z.strictObject({
    query: z
      .string({ error: 'query must be a string' })
      .min(1, 'query must not be empty')
      .max(2000, 'query must be at most 2000 characters')
      .describe(
        "Temporal visibility query, e.g. HotDocsTenancy = 'acme'; ANDed with: lifecycles, running, " +
          "stage needs-attention, the gateway's task queue, and the API key's scope",
      ),
    action: bulkRepairActionSchema.describe(
      'retry or abandon (accept-completed is decided one lifecycle at a time)',
    ),
    note: repairNoteSchema.optional().describe('Why, recorded with every repair (with the API key name)'),
    dryRun: z
      .boolean({ error: 'dryRun must be true or false' })
      .optional()
      .describe('List what would be repaired; change nothing'),
    limit: z
      .number({ error: 'limit must be a number' })
      .int('limit must be a whole number')
      .min(1, 'limit must be at least 1')
      .max(MAX_BULK_REPAIR_LIMIT, `limit must be at most ${MAX_BULK_REPAIR_LIMIT}`)
      .optional()
      .describe(
        `More matches than this answer 409 too-many-matches unless confirm (default ${DEFAULT_BULK_REPAIR_LIMIT})`,
      ),
    confirm: z.boolean({ error: 'confirm must be true or false' }).optional().describe('Repair every match'),
    rate: z
      .number({ error: 'rate must be a number' })
      .positive('rate must be above 0')
      .max(MAX_BULK_REPAIR_RATE, `rate must be at most ${MAX_BULK_REPAIR_RATE}`)
      .optional()
      .describe(`Repairs started per second (default ${DEFAULT_BULK_REPAIR_RATE})`),
  }),
  'BulkRepairRequest',
  'Repair every lifecycle in needs-attention that a visibility query matches',
);

export const assemblyParamsSchema = z.object({
  id: z.string().min(1).max(255).describe('The lifecycle id returned by POST /v1/assemblies'),
});

export const finishParamsSchema = z.object({
  token: z.string().min(1).max(1000).describe('The signed finish token'),
});

/** `?wait=true|false`: text on the wire, a boolean to the route and in the document. */
const waitFlag = z.stringbool({
  truthy: ['true'],
  falsy: ['false'],
  case: 'sensitive',
  error: 'wait must be "true" or "false"',
});
gatewaySchemaRegistry.add(waitFlag, {
  type: 'boolean',
  description: 'true: hold the request open (up to the gateway wait limit) until there is an answer',
});

export const waitQuerySchema = z.object({ wait: waitFlag.optional() });

/** `POST /v1/assemblies?wait=interview`: answer once the interview has begun, with its link. */
export const startQuerySchema = z.object({
  wait: z
    .enum(['interview'])
    .optional()
    .describe(
      'interview: hold the request open (up to the gateway wait limit) until the session has begun, ' +
        'and answer with its interview and finish link as well',
    ),
});

// ---- answers --------------------------------------------------------------------------------

const errorCodeSchema = named(
  z.enum(GATEWAY_ERROR_CODES),
  'ErrorCode',
  'Stable machine-readable code (docs/gateway.md, "Errors"); clients branch on it',
);

const errorProblemSchema = named(
  z.object({
    path: z.string().describe('The offending field, dotted (workItem.name); empty for the body as a whole'),
    message: z.string(),
  }),
  'ErrorProblem',
  'One offending field of a refused request',
);

const errorDetailSchema = named(
  z.object({
    code: errorCodeSchema,
    message: z.string(),
    problems: z.array(errorProblemSchema).optional(),
  }),
  'ErrorDetail',
  'What went wrong',
);

export const errorResponseSchema = named(
  z.object({ error: errorDetailSchema }),
  'Error',
  'Every error answer of the gateway',
);

const linksSchema = named(
  z.object({
    self: z.string(),
    interview: z.string(),
    result: z.string(),
  }),
  'AssemblyLinks',
  "The gateway's links to a lifecycle's status, interview and result",
);

export const interviewResponseSchema = named(
  z.object({
    id: z.string(),
    workItemId: z.string(),
    versionId: z.string(),
    coreSessionId: z.string(),
    interviewJsUrl: z.string(),
    finishUrl: z.string().describe('Signed, single-use link the interview posts to on Finish'),
    expiresAt: z.string().describe('When finishUrl stops working (ISO 8601)'),
  }),
  'Interview',
  'What a host page needs to show the interview; never an access token',
);

export const assemblyCreatedSchema = named(
  z.object({
    id: z.string(),
    workItemId: z.string().nullable().describe('null until the workflow has chosen it (see status)'),
    created: z.boolean().describe('false: a lifecycle with this business key already existed'),
    status: z.string().describe("Temporal's execution status: RUNNING, COMPLETED, ..."),
    links: linksSchema,
    interview: interviewResponseSchema
      .optional()
      .describe(
        'With ?wait=interview: the begun interview and its finish link; absent when the wait limit ' +
          'passed first or no interview is waiting (GET the interview link, ?wait=true, then)',
      ),
  }),
  'Assembly',
  'A started (or found) lifecycle',
);

export const statusResponseSchema = named(
  lifecycleStatusSchema.extend({ id: z.string(), links: linksSchema }),
  'AssemblyStatus',
  "The lifecycle's status: stage, active session, completed sessions, queue",
);

export const resultResponseSchema = named(
  lifecycleResultSchema.extend({ id: z.string() }),
  'AssemblyResult',
  'The outcome of an ended lifecycle, with the documents of every session',
);

export const begunSessionSchema = named(
  begunSessionInfoSchema.extend({ id: z.string() }),
  'BegunSession',
  'A follow-up session Advance has begun',
);

export const repairOutcomeSchema = named(
  z.object({
    id: z.string(),
    action: repairActionSchema,
    stage: stageSchema.describe('The stage the lifecycle moved on to'),
    at: z.string(),
  }),
  'RepairOutcome',
  'The repair was taken',
);

export const bulkRepairSummarySchema = named(
  z.object({
    query: z.string().describe('The visibility query that selected the lifecycles'),
    action: bulkRepairActionSchema,
    dryRun: z.boolean(),
    matched: z.number(),
    repaired: z.number(),
    refused: z
      .number()
      .describe('The lifecycle refused the repair: it no longer needed attention, or had ended'),
    failed: z.number(),
    skipped: z.number().describe('Not started: the gateway was shutting down'),
    lifecycles: z.array(
      named(
        z.object({
          lifecycleId: z.string(),
          tenancy: z.string().optional(),
          businessKey: z.string().optional(),
          outcome: z.enum(['would-repair', 'repaired', 'refused', 'failed', 'skipped']),
          stage: stageSchema.optional().describe('The stage a repaired lifecycle moved on to'),
          error: z.string().optional(),
        }),
        'BulkRepairLifecycle',
        'One matched lifecycle and what the repair did to it',
      ),
    ),
  }),
  'BulkRepairSummary',
  'What each matched lifecycle did with the repair',
);

export const queuedSchema = named(
  z.object({ id: z.string(), queued: z.literal(true) }),
  'FollowUpQueued',
  'The follow-up is queued: it begins once the active session is completed',
);
export const finishRequestedSchema = named(
  z.object({ id: z.string(), finishRequested: z.literal(true) }),
  'FinishRequested',
  'The lifecycle closes once no session is active',
);
export const cancelRequestedSchema = named(
  z.object({ id: z.string(), cancelRequested: z.literal(true) }),
  'CancelRequested',
  'The lifecycle saves its active session and ends',
);
export const interviewFinishedSchema = named(
  z.object({
    id: z.string(),
    versionId: z.string(),
    interviewCompleted: z.literal(true),
    outcome: z
      .enum(['accepted', 'signalled'])
      .describe(
        'accepted: the lifecycle took the Finish; signalled: no worker was running, so it went to ' +
          "Temporal's server as the interviewCompleted signal, which the lifecycle takes when one is back",
      ),
  }),
  'InterviewFinished',
  'The finish link was accepted and the lifecycle told',
);
export const documentParamsSchema = assemblyParamsSchema.extend({
  documentId: z.string().min(1).max(255).describe("The document's id, as the document list gives it"),
});

export const documentQuerySchema = z.object({
  versionId: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe(
      'The session the document belongs to. Needed only when two sessions of the lifecycle have a ' +
        'document with this id; the links of the document list always carry it.',
    ),
});

const listedDocumentSchema = named(
  z.object({
    documentId: z.string(),
    versionId: z.string().describe('The session that produced it'),
    fileName: z.string(),
    contentType: z.string().describe("The document's media type, as its download's Content-Type"),
    size: z.number().optional().describe('Bytes'),
    sha256: z.string().optional().describe("SHA-256 (hex) of the bytes; also the download's ETag"),
    kind: documentKindSchema.optional(),
    href: z.string().describe('Where the gateway serves the bytes (GET, with the API key)'),
  }),
  'AssemblyDocument',
  'A stored document and the link that downloads it',
);

export const documentListSchema = named(
  z.object({
    id: z.string(),
    documents: z.array(listedDocumentSchema),
  }),
  'AssemblyDocuments',
  'Every stored document of every completed session, oldest session first',
);

export const healthSchema = named(z.object({ status: z.literal('ok') }), 'Health', 'The process is up');
export const readySchema = named(z.object({ status: z.literal('ready') }), 'Readiness', 'Temporal answers');

/** The error answers every route documents. */
export const errorResponses = { '4xx': errorResponseSchema, '5xx': errorResponseSchema } as const;

/**
 * A download's bytes carry the document's own media type in Content-Type (application/pdf, Word's,
 * RTF, HTML, whatever the template produces; application/octet-stream only when the store does not
 * know it). The document names them twice: application/octet-stream, which client generators turn
 * into a method that returns the bytes, and the whole range, which the actual Content-Type of every
 * answer matches.
 */
const documentBytes = {
  'application/octet-stream': { schema: z.file() },
  '*/*': { schema: z.file() },
};

/** Response headers, as the OpenAPI document describes them (openapi.ts passes them through). */
const header = (description: string) => ({ type: 'string', description }) as const;
const ETAG = header("The document's SHA-256 (hex), quoted; send it back in If-None-Match to revalidate");
const CONTENT_DISPOSITION = header(
  'attachment, with the stored file name (filename and, when not plain ASCII, filename*)',
);

/** The download's answers besides errors: bytes (whole or a range), not modified, or a redirect. */
export const documentDownloadResponses = {
  200: {
    description:
      "The whole document, streamed; Content-Type is the document's own media type (the list's " +
      'contentType, e.g. application/pdf)',
    headers: { 'Content-Disposition': CONTENT_DISPOSITION, ETag: ETAG },
    content: documentBytes,
  },
  206: {
    description:
      "The byte range asked for with Range: bytes=…, in the document's media type; Content-Range names it",
    headers: {
      'Content-Range': header('bytes <first>-<last>/<size>'),
      'Content-Disposition': CONTENT_DISPOSITION,
      ETag: ETAG,
    },
    content: documentBytes,
  },
  302: {
    description:
      'With GATEWAY_DOCUMENT_REDIRECT=true and a store that signs URLs: Location is a short-lived ' +
      'signed URL of the document, which needs no API key',
    headers: { Location: header('The signed URL') },
    content: {},
  },
  304: {
    description: 'If-None-Match named the ETag: the copy the client has is current',
    headers: { ETag: ETAG },
    content: {},
  },
  ...errorResponses,
} as const;
