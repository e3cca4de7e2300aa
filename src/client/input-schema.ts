import { z } from 'zod';
import { parseDuration } from './duration';
import { MAX_ANSWER_XML_CHARS, MAX_REMINDERS, type Checked } from './input';

/**
 * The lifecycle's input and follow-up requests as zod schemas: clients and the gateway refuse bad
 * input with them at the edge, and the gateway's OpenAPI document is generated from them.
 *
 * The workflow must not import this module: the SDK evaluates a workflow's modules again for
 * every execution, and zod made each cached lifecycle ~1 MB heavier and a fifth of the workflow
 * thread's time. The workflow checks input with `input.ts`, which has the same rules without
 * dependencies; `test/workflows/input-parity.test.ts` keeps the two in step.
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const guid = (what: string) =>
  z
    .string({ error: `${what} must be a GUID string` })
    .regex(GUID, `${what} must be a GUID (8-4-4-4-12 hex digits)`);
const duration = (what: string, { allowZero = false } = {}) =>
  z.string({ error: `${what} must be a duration string such as "24h" or "14d"` }).refine((text) => {
    const ms = parseDuration(text);
    return ms !== undefined && (allowZero ? ms >= 0 : ms > 0);
  }, `${what} must be a duration such as "30m", "24h" or "14d"`);
const answerXml = z
  .string({ error: 'answerXml must be a string' })
  .max(MAX_ANSWER_XML_CHARS, `answerXml must be at most ${MAX_ANSWER_XML_CHARS} characters`)
  .refine((xml) => xml.trim() !== '', 'answerXml must not be empty (leave it out instead)');

export const sessionModeSchema = z.enum(['interview', 'batch'], {
  error: 'mode must be "interview" or "batch"',
});

export const lifecycleInputSchema = z
  .object(
    {
      businessKey: z
        .string({ error: 'businessKey must be a string' })
        .min(1, 'businessKey must not be empty')
        .max(200, 'businessKey must be at most 200 characters')
        .regex(/^[A-Za-z0-9._:@/-]+$/, 'businessKey may only hold letters, digits and . _ : @ / -')
        .optional(),
      workItem: z
        .object(
          {
            id: guid('workItem.id').optional(),
            name: z
              .string({ error: 'workItem.name must be a string' })
              .trim()
              .min(1, 'workItem.name is required')
              .max(255, 'workItem.name must be at most 255 characters'),
            workGroupId: guid('workItem.workGroupId'),
            templatePackageId: guid('workItem.templatePackageId'),
            description: z
              .string({ error: 'workItem.description must be a string' })
              .max(2000, 'workItem.description must be at most 2000 characters')
              .optional(),
          },
          { error: 'workItem is required: { name, workGroupId, templatePackageId }' },
        )
        .strict(),
      answerXml: answerXml.optional(),
      mode: sessionModeSchema.default('interview'),
      runAssembly: z.boolean({ error: 'runAssembly must be true or false' }).default(true),
      storeDocuments: z.boolean({ error: 'storeDocuments must be true or false' }).default(true),
      interview: z
        .object(
          {
            deadline: duration('interview.deadline').optional(),
            reminders: z
              .array(duration('interview.reminders[]'), {
                error: 'interview.reminders must be a list of durations',
              })
              .max(MAX_REMINDERS, `interview.reminders may hold at most ${MAX_REMINDERS} entries`)
              .optional(),
          },
          { error: 'interview must be an object: { deadline?, reminders? }' },
        )
        .strict()
        .optional(),
      tenancy: z
        .string({ error: 'tenancy must be a string' })
        .regex(/^[A-Za-z0-9][A-Za-z0-9.:-]{0,99}$/, 'tenancy must be a tenancy name (letters, digits, . : -)')
        .optional(),
      keepOpenFor: duration('keepOpenFor', { allowZero: true }).optional(),
    },
    {
      error:
        'the lifecycle input must be a JSON object: { workItem: { name, workGroupId, templatePackageId }, ... }',
    },
  )
  .strict()
  .superRefine((input, ctx) => {
    const deadline =
      input.interview?.deadline === undefined ? undefined : parseDuration(input.interview.deadline);
    if (deadline === undefined) return;
    for (const reminder of input.interview?.reminders ?? []) {
      if ((parseDuration(reminder) ?? 0) >= deadline) {
        ctx.addIssue({
          code: 'custom',
          message: `interview.reminders: "${reminder}" is not before the deadline`,
        });
      }
    }
  });

export const followUpRequestSchema = z
  .object(
    {
      answerXml: answerXml.optional(),
      mode: sessionModeSchema.optional(),
      runAssembly: z.boolean({ error: 'runAssembly must be true or false' }).optional(),
      /** The caller's idempotency key: a repeated request with the same id queues nothing new. */
      requestId: z
        .string({ error: 'requestId must be a string' })
        .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'requestId may hold 1-100 letters, digits and . _ : -')
        .optional(),
    },
    { error: 'a follow-up request must be a JSON object: { answerXml?, mode?, runAssembly?, requestId? }' },
  )
  .strict();

export const interviewCompletedSchema = z
  .object({ versionId: guid('versionId') }, { error: 'expected { versionId }' })
  .strict();

/** What a business system passes to start a lifecycle. */
export type LifecycleInput = z.input<typeof lifecycleInputSchema>;
/** The input with defaults applied. */
export type NormalizedLifecycleInput = z.output<typeof lifecycleInputSchema>;
export type FollowUpRequest = z.input<typeof followUpRequestSchema>;
export type SessionMode = z.output<typeof sessionModeSchema>;

function check<S extends z.ZodType>(schema: S, value: unknown): Checked<z.output<S>> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problems: parsed.error.issues.map(describeIssue) };
}

export const checkLifecycleInputBySchema = (value: unknown) => check(lifecycleInputSchema, value);
export const checkFollowUpRequestBySchema = (value: unknown) => check(followUpRequestSchema, value ?? {});
export const checkInterviewCompletedBySchema = (value: unknown) => check(interviewCompletedSchema, value);

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const where = field === '' ? '' : ` in ${field}`;
    return `unknown field(s)${where}: ${issue.keys.join(', ')}`;
  }
  if (field === '' || issue.message.startsWith(field.replace(/\.\d+$/, ''))) return issue.message;
  return `${field}: ${issue.message}`;
}
