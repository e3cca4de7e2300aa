import { z } from 'zod';
import { LIFECYCLE_STAGES, type LifecycleResult, type LifecycleStatus } from '../client';
import { followUpRequestSchema, lifecycleInputSchema } from '../client/input-schema';
import { GATEWAY_ERROR_CODES } from './errors';

/**
 * The zod schemas of the gateway's requests and answers. The same objects validate requests
 * (fastify-type-provider-zod), serialize answers and generate /v1/openapi.json, so the document
 * cannot drift from what the gateway does. Request bodies reuse the lifecycle's own schemas.
 */

/** Named schemas become components in the OpenAPI document; a private registry keeps zod's global one clean. */
export const gatewaySchemaRegistry = z.registry<{ id: string; description?: string }>();

function named<S extends z.ZodType>(schema: S, id: string, description: string): S {
  gatewaySchemaRegistry.add(schema, { id, description });
  return schema;
}

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

/** An operator's repair of a lifecycle in needs-attention (the `repair` update). */
export const repairRequestSchema = named(
  z.strictObject({
    action: z
      .enum(['retry', 'accept-completed', 'abandon'], {
        error: 'action must be one of retry, accept-completed, abandon',
      })
      .describe(
        'retry: the failed call again, now (after fixing its cause); accept-completed: Advance did ' +
          'complete the session though it could not confirm it, collect its documents and go on; ' +
          'abandon: end the lifecycle as failed',
      ),
    note: z
      .string({ error: 'note must be a string' })
      .max(500, 'note must be at most 500 characters')
      .optional()
      .describe('Why, for the record (status and history)'),
  }),
  'RepairRequest',
  "An operator's answer to a lifecycle in needs-attention",
);

export const assemblyParamsSchema = z.object({
  id: z.string().min(1).max(255).describe('The lifecycle id returned by POST /v1/assemblies'),
});

export const finishParamsSchema = z.object({
  token: z.string().min(1).max(1000).describe('The signed finish token'),
});

export const waitQuerySchema = z.object({
  wait: z
    .enum(['true', 'false'], { error: 'wait must be "true" or "false"' })
    .optional()
    .describe('true: hold the request open (up to the gateway wait limit) until there is an answer'),
});

// ---- answers --------------------------------------------------------------------------------

export const errorResponseSchema = named(
  z.object({
    error: z.object({
      code: z.enum(GATEWAY_ERROR_CODES).describe('Stable machine-readable code (docs/gateway.md, "Errors")'),
      message: z.string(),
      problems: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  }),
  'Error',
  'Every error answer of the gateway',
);

const linksSchema = z.object({
  self: z.string(),
  interview: z.string(),
  result: z.string(),
});

export const assemblyCreatedSchema = named(
  z.object({
    id: z.string(),
    workItemId: z.string().nullable().describe('null until the workflow has chosen it (see status)'),
    created: z.boolean().describe('false: a lifecycle with this business key already existed'),
    status: z.string().describe("Temporal's execution status: RUNNING, COMPLETED, ..."),
    links: linksSchema,
  }),
  'Assembly',
  'A started (or found) lifecycle',
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

const sessionModeSchema = z.enum(['interview', 'batch']);

const documentSchema = z.object({
  documentId: z.string(),
  name: z.string(),
  fileName: z.string().optional(),
  contentType: z.string().optional(),
  size: z.number().optional(),
  sha256: z.string().optional(),
  reference: z.string().optional().describe('Where the document store keeps it, when documents are stored'),
});

const completedSessionSchema = z.object({
  versionId: z.string(),
  mode: sessionModeSchema,
  completedAt: z.string(),
  assembled: z.boolean(),
  documents: z.array(documentSchema),
  warning: z.string().optional(),
});

const stageSchema = z.enum(LIFECYCLE_STAGES);

/** The lifecycle's status query, field for field (checked against the type below). */
const lifecycleStatusSchema = z.object({
  stage: stageSchema,
  businessKey: z.string().optional(),
  tenancy: z.string().optional(),
  workItemId: z.string(),
  workItemCreated: z.boolean(),
  activeSession: z
    .object({
      versionId: z.string(),
      mode: sessionModeSchema,
      runAssembly: z.boolean(),
      interview: z
        .object({ hdaSessionId: z.string(), coreSessionId: z.string(), interviewJsUrl: z.string() })
        .optional(),
      begunAt: z.string().optional(),
      waitingSince: z.string().optional(),
      deadlineAt: z.string().optional(),
      interviewCompleted: z.boolean(),
    })
    .optional(),
  completedSessions: z.array(completedSessionSchema),
  queuedFollowUps: z.array(
    z.object({
      requestId: z.string(),
      versionId: z.string(),
      mode: sessionModeSchema,
      runAssembly: z.boolean(),
      requestedAt: z.string(),
      via: z.enum(['signal', 'update']),
    }),
  ),
  rejectedSignals: z.array(
    z.object({ name: z.string(), reason: z.string(), at: z.string(), versionId: z.string().optional() }),
  ),
  reminders: z.array(
    z.object({
      versionId: z.string(),
      sentAt: z.string(),
      delivered: z.boolean(),
      detail: z.string().optional(),
    }),
  ),
  finishRequested: z.boolean(),
  lastError: z.object({ message: z.string(), stage: stageSchema, at: z.string() }).optional(),
  attention: z
    .object({
      reason: z.enum(['credentials-refused', 'forbidden', 'outcome-unconfirmed']),
      call: z.string(),
      message: z.string(),
      since: z.string(),
      retries: z.number(),
      nextRetryAt: z.string().optional(),
    })
    .optional()
    .describe('Set while the lifecycle waits in needs-attention for an operator (POST .../repair)'),
  continuedAsNew: z.number(),
});

export const statusResponseSchema = named(
  lifecycleStatusSchema.extend({ id: z.string(), links: linksSchema }),
  'AssemblyStatus',
  "The lifecycle's status: stage, active session, completed sessions, queue",
);

const lifecycleResultSchema = z.object({
  outcome: z.enum(['completed', 'expired']),
  workItemId: z.string(),
  sessions: z.array(completedSessionSchema),
  expiredVersionId: z.string().optional(),
});

export const resultResponseSchema = named(
  lifecycleResultSchema.extend({ id: z.string() }),
  'AssemblyResult',
  'The outcome of an ended lifecycle, with the documents of every session',
);

// The answer schemas strip what they do not name: fail the build, not the answer, when the
// lifecycle's types and these schemas drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const statusInSync: Same<z.output<typeof lifecycleStatusSchema>, LifecycleStatus> = true;
const resultInSync: Same<z.output<typeof lifecycleResultSchema>, LifecycleResult> = true;
void statusInSync;
void resultInSync;

export const begunSessionSchema = named(
  z.object({
    id: z.string(),
    workItemId: z.string(),
    versionId: z.string(),
    mode: sessionModeSchema,
    hdaSessionId: z.string(),
    coreSessionId: z.string(),
    interviewJsUrl: z.string(),
  }),
  'BegunSession',
  'A follow-up session Advance has begun',
);

export const repairOutcomeSchema = named(
  z.object({
    id: z.string(),
    action: z.enum(['retry', 'accept-completed', 'abandon']),
    stage: stageSchema.describe('The stage the lifecycle moved on to'),
    at: z.string(),
  }),
  'RepairOutcome',
  'The repair was taken',
);

export const queuedSchema = z.object({ id: z.string(), queued: z.literal(true) });
export const finishRequestedSchema = z.object({ id: z.string(), finishRequested: z.literal(true) });
export const cancelRequestedSchema = z.object({ id: z.string(), cancelRequested: z.literal(true) });
export const interviewFinishedSchema = named(
  z.object({ id: z.string(), versionId: z.string(), interviewCompleted: z.literal(true) }),
  'InterviewFinished',
  'The finish link was accepted and the lifecycle told',
);
export const healthSchema = z.object({ status: z.literal('ok') });
export const readySchema = z.object({ status: z.literal('ready') });

/** The error answers every route documents. */
export const errorResponses = { '4xx': errorResponseSchema, '5xx': errorResponseSchema } as const;
