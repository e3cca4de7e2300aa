import { z } from 'zod';
import { DOCUMENT_KINDS, LIFECYCLE_EVENT_TYPES } from '../notifications/lifecycle-events';
import { sessionModeSchema } from './input-schema';
import type {
  ActiveSessionStatus,
  AttentionStatus,
  CompletedSessionStatus,
  LifecycleDocument,
  LifecycleEventRecord,
  LifecycleResult,
  LifecycleStatus,
  QueuedFollowUpStatus,
  RejectedMessage,
  ReminderStatus,
  RepairRecord,
} from '../workflows/lifecycle-status';
import type { BegunSessionInfo, CompleteInterviewResult } from '../workflows/messages';
import { LIFECYCLE_STAGES, REPAIR_ACTIONS, REPAIR_MESSAGES } from '../workflows/message-rules';

/**
 * What a lifecycle answers, as zod schemas: the `status` query's result, the lifecycle's result
 * and what its updates return. The workflow's own types are plain interfaces
 * (src/workflows/lifecycle-status.ts and messages.ts, no zod in the workflow); these schemas
 * describe them field for field (checked at compile time below), so the gateway's answers and the
 * published JSON Schema files (contract-schemas.ts) cannot drift from what the workflow returns.
 * Each shape is one exported object, used wherever the shape appears, so the gateway's OpenAPI
 * document can name it once (src/gateway/schemas.ts).
 */

export const stageSchema = z.enum(LIFECYCLE_STAGES);
export const repairActionSchema = z.enum(REPAIR_ACTIONS, { error: REPAIR_MESSAGES.actionInvalid });
export const eventTypeSchema = z.enum(LIFECYCLE_EVENT_TYPES);
const timestamp = (what: string) => z.string().describe(`${what} (ISO 8601)`);

export const documentKindSchema = z
  .enum(DOCUMENT_KINDS)
  .describe("answers: the session's answer set (storeAnswerSet); absent for an assembled document");

export const lifecycleDocumentSchema = z.object({
  documentId: z.string().describe("Advance's document id"),
  name: z.string(),
  fileName: z.string().optional(),
  contentType: z.string().optional(),
  size: z.number().optional().describe('Bytes, when the document was stored'),
  sha256: z.string().optional().describe('SHA-256 (hex) of the stored bytes'),
  kind: documentKindSchema.optional(),
  reference: z
    .string()
    .optional()
    .describe(
      'Where the document store keeps it, when documents are stored; the gateway shows it only to API keys with the permission documents',
    ),
});

export const completedSessionSchema = z.object({
  versionId: z.string(),
  mode: sessionModeSchema,
  completedAt: timestamp('When CompleteSession succeeded'),
  assembled: z.boolean(),
  documents: z.array(lifecycleDocumentSchema),
  warning: z.string().optional().describe('Something an operator should look at'),
});

export const interviewDataSchema = z.object({
  hdaSessionId: z.string(),
  coreSessionId: z.string(),
  interviewJsUrl: z.string(),
});

export const activeSessionSchema = z.object({
  versionId: z.string(),
  mode: sessionModeSchema,
  runAssembly: z.boolean(),
  interview: interviewDataSchema
    .optional()
    .describe(
      'Absent until Advance has begun the session; the gateway shows it only to API keys with the permission interview',
    ),
  begunAt: z.string().optional(),
  waitingSince: z.string().optional(),
  deadlineAt: z.string().optional(),
  interviewCompleted: z.boolean().describe('The interview was reported finished; CompleteSession comes next'),
  callbackReceivedAt: z
    .string()
    .optional()
    .describe("v2.0: when Advance's callback for this version came (its single-use callback URL is spent)"),
});

export const queuedFollowUpSchema = z.object({
  requestId: z.string(),
  versionId: z.string(),
  mode: sessionModeSchema,
  runAssembly: z.boolean(),
  requestedAt: z.string(),
  via: z.enum(['signal', 'update']),
});

export const rejectedMessageSchema = z.object({
  name: z.string(),
  reason: z.string(),
  at: z.string(),
  versionId: z.string().optional(),
});

export const reminderSchema = z.object({
  versionId: z.string(),
  sentAt: z.string(),
  delivered: z.boolean(),
  detail: z.string().optional(),
});

export const attentionReasonSchema = z.enum([
  'credentials-refused',
  'forbidden',
  'outcome-unconfirmed',
  'post-processing-failed',
]);

export const attentionSchema = z.object({
  reason: attentionReasonSchema,
  call: z.string().describe('The activity that failed, e.g. completeSession'),
  message: z.string(),
  since: z.string(),
  retries: z.number(),
  nextRetryAt: z.string().optional(),
});

export const repairRecordSchema = z.object({
  action: repairActionSchema,
  by: z
    .string()
    .optional()
    .describe("Who made it: the gateway API key's name, or the operator's OS user (the CLI)"),
  note: z.string().optional(),
  at: z.string(),
  reason: attentionReasonSchema,
  call: z.string(),
});

export const eventDeliverySchema = z.object({
  eventId: z.string(),
  eventType: eventTypeSchema,
  delivered: z.boolean(),
  outcome: z.enum(['delivered', 'not-configured', 'refused', 'gave-up']),
  attempts: z.number(),
  lastError: z.string().optional(),
  at: z.string(),
});

export const eventRecordSchema = z.object({
  id: z.string(),
  type: eventTypeSchema,
  occurredAt: z.string(),
  deliveryWorkflowId: z.string(),
  delivery: eventDeliverySchema.optional(),
});

export const lastErrorSchema = z.object({ message: z.string(), stage: stageSchema, at: z.string() });

/** The `status` query's result. */
export const lifecycleStatusSchema = z.object({
  stage: stageSchema,
  businessKey: z.string().optional(),
  tenancy: z.string().optional(),
  workItemId: z.string(),
  workItemCreated: z.boolean(),
  activeSession: activeSessionSchema.optional(),
  completedSessions: z.array(completedSessionSchema),
  completedSessionCount: z.number().int().optional(),
  queuedFollowUps: z.array(queuedFollowUpSchema),
  rejectedSignals: z.array(rejectedMessageSchema),
  reminders: z.array(reminderSchema),
  finishRequested: z.boolean(),
  lastError: lastErrorSchema.optional(),
  attention: attentionSchema
    .optional()
    .describe('Set while the lifecycle waits in needs-attention for an operator'),
  repairs: z.array(repairRecordSchema).optional().describe("Operators' repairs, the latest 20"),
  events: z
    .array(eventRecordSchema)
    .optional()
    .describe('Events announced to the completion webhook, the latest 50, with their deliveries'),
  continuedAsNew: z.number(),
});

/** What an ended lifecycle returns. */
export const lifecycleResultSchema = z.object({
  outcome: z.enum(['completed', 'expired']),
  workItemId: z.string(),
  sessions: z.array(completedSessionSchema),
  expiredVersionId: z.string().optional(),
});

/** What the `beginFollowUpSession` update returns. */
export const begunSessionInfoSchema = z.object({
  workItemId: z.string(),
  versionId: z.string(),
  mode: sessionModeSchema,
  hdaSessionId: z.string(),
  coreSessionId: z.string(),
  interviewJsUrl: z.string(),
});

/** What the `completeInterview` update returns. */
export const completeInterviewResultSchema = z.object({
  outcome: z
    .enum(['accepted', 'already-finished'])
    .describe('accepted: this request finished the interview; already-finished: it was reported before'),
  versionId: z.string().describe('The session it concerns'),
});

// Answer schemas strip what they do not name: fail the build, not the answer, when the
// workflow's types and these schemas drift apart. Assignability alone lets an optional field
// go missing, so the keys of every nested object are compared as well.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type SameKeys<A, B> = Same<keyof A, keyof B>;
type Status = z.output<typeof lifecycleStatusSchema>;
const schemasMatchTypes: [
  Same<Status, LifecycleStatus>,
  SameKeys<Status, LifecycleStatus>,
  SameKeys<NonNullable<Status['activeSession']>, ActiveSessionStatus>,
  SameKeys<Status['completedSessions'][number], CompletedSessionStatus>,
  SameKeys<Status['completedSessions'][number]['documents'][number], LifecycleDocument>,
  SameKeys<Status['queuedFollowUps'][number], QueuedFollowUpStatus>,
  SameKeys<Status['rejectedSignals'][number], RejectedMessage>,
  SameKeys<Status['reminders'][number], ReminderStatus>,
  SameKeys<NonNullable<Status['attention']>, AttentionStatus>,
  SameKeys<NonNullable<Status['repairs']>[number], RepairRecord>,
  SameKeys<NonNullable<Status['events']>[number], LifecycleEventRecord>,
  Same<z.output<typeof lifecycleResultSchema>, LifecycleResult>,
  SameKeys<z.output<typeof lifecycleResultSchema>, LifecycleResult>,
  Same<z.output<typeof begunSessionInfoSchema>, BegunSessionInfo>,
  SameKeys<z.output<typeof begunSessionInfoSchema>, BegunSessionInfo>,
  Same<z.output<typeof completeInterviewResultSchema>, CompleteInterviewResult>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true];
void schemasMatchTypes;
