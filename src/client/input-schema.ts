import { z } from 'zod';
import { parseDuration } from '../workflows/duration';
import type { Checked, FollowUpRequest, LifecycleInput, NormalizedLifecycleInput } from '../workflows/input';
import { attentionRetryAllowed, durationAllowed, LIMITS, MESSAGES, PATTERNS } from '../workflows/input-rules';

/**
 * The lifecycle's input and follow-up requests as zod schemas, built from the same rules as the
 * workflow's own check (src/workflows/input-rules.ts): clients and the gateway refuse bad input
 * with them at the edge, and the gateway's OpenAPI document is generated from them. zod stays out
 * of the workflow (lint rule): the SDK evaluates a workflow's modules again for every execution,
 * and zod made each cached lifecycle ~1 MB heavier.
 */

const guid = (what: string) =>
  z.string({ error: MESSAGES.guidNotString(what) }).regex(PATTERNS.guid, MESSAGES.guidMalformed(what));
const duration = (what: string, { allowZero = false } = {}) =>
  z
    .string({ error: MESSAGES.durationNotString(what) })
    .refine((text) => durationAllowed(parseDuration(text), allowZero), MESSAGES.durationMalformed(what));
const bool = (what: string) => z.boolean({ error: MESSAGES.booleanExpected(what) });
const answerXml = z
  .string({ error: MESSAGES.answerXmlNotString })
  .max(LIMITS.answerXmlChars, MESSAGES.answerXmlTooLong)
  .refine((xml) => xml.trim() !== '', MESSAGES.answerXmlEmpty);

export const sessionModeSchema = z.enum(['interview', 'batch'], { error: MESSAGES.modeInvalid });

export const workItemSchema = z
  .object(
    {
      id: guid('workItem.id').optional(),
      name: z
        .string({ error: MESSAGES.workItemNameNotString })
        .trim()
        .min(1, MESSAGES.workItemNameRequired)
        .max(LIMITS.workItemNameChars, MESSAGES.workItemNameTooLong),
      workGroupId: guid('workItem.workGroupId'),
      templatePackageId: guid('workItem.templatePackageId'),
      description: z
        .string({ error: MESSAGES.descriptionNotString })
        .max(LIMITS.workItemDescriptionChars, MESSAGES.descriptionTooLong)
        .optional(),
    },
    { error: MESSAGES.workItemRequired },
  )
  .strict();

export const interviewSchema = z
  .object(
    {
      deadline: duration('interview.deadline').optional(),
      reminders: z
        .array(duration('interview.reminders[]'), { error: MESSAGES.remindersNotList })
        .max(LIMITS.reminders, MESSAGES.tooManyReminders)
        .optional(),
      statusReadEvery: duration('interview.statusReadEvery').optional(),
    },
    { error: MESSAGES.interviewNotObject },
  )
  .strict();

const wholeNumber = (max: number, message: string) =>
  z.number({ error: message }).int(message).min(1, message).max(max, message);

export const followUpLimitsSchema = z
  .object(
    {
      queued: wholeNumber(LIMITS.queuedFollowUpsCeiling, MESSAGES.queuedLimitInvalid).optional(),
      queuedAnswerXmlBytes: wholeNumber(
        LIMITS.queuedAnswerXmlBytesCeiling,
        MESSAGES.queuedBytesLimitInvalid,
      ).optional(),
    },
    { error: MESSAGES.followUpLimitsNotObject },
  )
  .strict();

export const lifecycleInputSchema = z
  .object(
    {
      businessKey: z
        .string({ error: MESSAGES.businessKeyNotString })
        .min(1, MESSAGES.businessKeyEmpty)
        .max(LIMITS.businessKeyChars, MESSAGES.businessKeyTooLong)
        .regex(PATTERNS.businessKey, MESSAGES.businessKeyMalformed)
        .optional(),
      workItem: workItemSchema,
      answerXml: answerXml.optional(),
      mode: sessionModeSchema.default('interview'),
      runAssembly: bool('runAssembly').default(true),
      storeDocuments: bool('storeDocuments').default(true),
      storeAnswerSet: bool('storeAnswerSet').optional(),
      interview: interviewSchema.optional(),
      tenancy: z
        .string({ error: MESSAGES.tenancyNotString })
        .regex(PATTERNS.tenancy, MESSAGES.tenancyMalformed)
        .optional(),
      keepOpenFor: duration('keepOpenFor', { allowZero: true }).optional(),
      attentionRetryEvery: duration('attentionRetryEvery')
        .refine((text) => {
          const ms = parseDuration(text);
          // Only a valid duration is judged by its length (the first rule named the others).
          return !durationAllowed(ms, false) || attentionRetryAllowed(ms as number);
        }, MESSAGES.attentionRetryTooShort)
        .optional(),
      followUpLimits: followUpLimitsSchema.optional(),
    },
    { error: MESSAGES.lifecycleInputNotObject },
  )
  .strict()
  .superRefine((input, ctx) => {
    if (input.storeAnswerSet === true && !input.storeDocuments) {
      ctx.addIssue({ code: 'custom', message: MESSAGES.answerSetNeedsStoredDocuments });
    }
    const deadline =
      input.interview?.deadline === undefined ? undefined : parseDuration(input.interview.deadline);
    if (deadline === undefined) return;
    for (const reminder of input.interview?.reminders ?? []) {
      if ((parseDuration(reminder) ?? 0) >= deadline) {
        ctx.addIssue({ code: 'custom', message: MESSAGES.reminderNotBeforeDeadline(reminder) });
      }
    }
  });

export const followUpRequestSchema = z
  .object(
    {
      answerXml: answerXml.optional(),
      mode: sessionModeSchema.optional(),
      runAssembly: bool('runAssembly').optional(),
      /** The caller's idempotency key: a repeated request with the same id queues nothing new. */
      requestId: z
        .string({ error: MESSAGES.requestIdNotString })
        .regex(PATTERNS.requestId, MESSAGES.requestIdMalformed)
        .optional(),
    },
    { error: MESSAGES.followUpNotObject },
  )
  .strict();

export const interviewCompletedSchema = z
  .object({ versionId: guid('versionId') }, { error: MESSAGES.interviewCompletedNotObject })
  .strict();

/** `completeInterview`'s request: the session, or none for the one the lifecycle waits for. */
export const completeInterviewRequestSchema = z
  .object({ versionId: guid('versionId').optional() }, { error: MESSAGES.completeInterviewNotObject })
  .strict();

export type { FollowUpRequest, LifecycleInput, NormalizedLifecycleInput };

// The schemas must describe exactly the workflow's input types (a compile error otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const inputTypesAgree: [
  Same<z.input<typeof lifecycleInputSchema>, LifecycleInput>,
  Same<z.output<typeof lifecycleInputSchema>, NormalizedLifecycleInput>,
  Same<z.input<typeof followUpRequestSchema>, FollowUpRequest>,
] = [true, true, true];
void inputTypesAgree;

function check<S extends z.ZodType>(schema: S, value: unknown): Checked<z.output<S>> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problems: parsed.error.issues.map(describeIssue) };
}

export const checkLifecycleInputBySchema = (value: unknown) => check(lifecycleInputSchema, value);
export const checkFollowUpRequestBySchema = (value: unknown) => check(followUpRequestSchema, value ?? {});
export const checkInterviewCompletedBySchema = (value: unknown) => check(interviewCompletedSchema, value);
export const checkCompleteInterviewRequestBySchema = (value: unknown) =>
  check(completeInterviewRequestSchema, value ?? {});

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys')
    return MESSAGES.unknownFields(issue.keys, field === '' ? undefined : field);
  if (field === '' || issue.message.startsWith(field.replace(/\.\d+$/, ''))) return issue.message;
  return `${field}: ${issue.message}`;
}
