import { z } from 'zod';
import {
  beginFollowUpSessionUpdate,
  completeInterviewUpdate,
  finishSignal,
  interviewCompletedSignal,
  LIFECYCLE_WORKFLOW_TYPE,
  requestFollowUpSessionSignal,
  statusQuery,
} from '../workflows/messages';
import {
  completeInterviewRequestSchema,
  followUpRequestSchema,
  interviewCompletedSchema,
  lifecycleInputSchema,
} from './input-schema';
import { lifecycleEventSchema } from './lifecycle-event-schema';
import { keepCaseInsensitivePatterns } from './json-schema-patterns';
import {
  begunSessionInfoSchema,
  completeInterviewResultSchema,
  lifecycleResultSchema,
  lifecycleStatusSchema,
} from './lifecycle-schemas';

/**
 * The lifecycle's contract for business systems in any language, as zod schemas: what goes in
 * (workflow input, signals, the update) and what comes out (update result, status, result, and the
 * event the completion webhook posts).
 * `npm run build` writes each as a JSON Schema file, `schemas/<name>.json`
 * (tools/schemas/write-contract-schemas.ts), and a unit test fails when a committed file is stale.
 * A new part of the contract is one more entry here.
 */
export interface ContractSchema {
  schema: z.ZodType;
  /** `input`: what a caller sends (defaults may be left out); `output`: what it receives. */
  io: 'input' | 'output';
  title: string;
  description: string;
}

export const CONTRACT_SCHEMAS: Record<string, ContractSchema> = {
  'lifecycle-input': {
    schema: lifecycleInputSchema,
    io: 'input',
    title: 'LifecycleInput',
    description:
      `The input of the ${LIFECYCLE_WORKFLOW_TYPE} workflow (workflow id assembly-<businessKey>, task ` +
      'queue hotdocs-assembly by default). Durations are strings such as "90s", "30m", "14d", "1d12h"; ' +
      'every reminder must come before the deadline.',
  },
  'complete-interview-update': {
    schema: completeInterviewRequestSchema,
    io: 'input',
    title: 'CompleteInterviewUpdate',
    description:
      `Update ${completeInterviewUpdate.name}: the interview of session versionId is finished (an ` +
      'operator may leave versionId out: the session the lifecycle waits for). Refused, unwritten, ' +
      'when it names no session of the lifecycle with an interview to finish; needs a running worker.',
  },
  'complete-interview-update-result': {
    schema: completeInterviewResultSchema,
    io: 'output',
    title: 'CompleteInterviewResult',
    description:
      `What update ${completeInterviewUpdate.name} returns: accepted (this request finished the ` +
      'interview) or already-finished (it was reported before: nothing changed).',
  },
  'interview-completed-signal': {
    schema: interviewCompletedSchema,
    io: 'input',
    title: 'InterviewCompletedSignal',
    description:
      `Signal ${interviewCompletedSignal.name}: the interview of session versionId is finished; taken ` +
      `by the rule of update ${completeInterviewUpdate.name} once a worker runs the lifecycle.`,
  },
  'request-follow-up-session-signal': {
    schema: followUpRequestSchema,
    io: 'input',
    title: 'RequestFollowUpSessionSignal',
    description:
      `Signal ${requestFollowUpSessionSignal.name}: queue a follow-up session (the argument may be left ` +
      'out). A repeated requestId queues nothing new.',
  },
  'finish-signal': {
    schema: z.null(),
    io: 'input',
    title: 'FinishSignal',
    description:
      `Signal ${finishSignal.name} takes no argument (send none; a null is ignored): close the lifecycle ` +
      'once no session is active.',
  },
  'begin-follow-up-session-update': {
    schema: followUpRequestSchema,
    io: 'input',
    title: 'BeginFollowUpSessionUpdate',
    description: `Update ${beginFollowUpSessionUpdate.name}: queue a follow-up session and wait until it has begun.`,
  },
  'begin-follow-up-session-update-result': {
    schema: begunSessionInfoSchema,
    io: 'output',
    title: 'BegunSession',
    description: `What update ${beginFollowUpSessionUpdate.name} returns: the begun session and its interview.`,
  },
  'status-query-result': {
    schema: lifecycleStatusSchema,
    io: 'output',
    title: 'LifecycleStatus',
    description:
      `What query ${statusQuery.name} returns: stage, active session with its interview, completed ` +
      'sessions with their documents, queued follow-ups, rejected signals, reminders, last error.',
  },
  'lifecycle-result': {
    schema: lifecycleResultSchema,
    io: 'output',
    title: 'LifecycleResult',
    description: `What the ${LIFECYCLE_WORKFLOW_TYPE} workflow returns when it ends as completed or expired.`,
  },
  'lifecycle-event': {
    schema: lifecycleEventSchema,
    io: 'output',
    title: 'LifecycleEvent',
    description:
      "What the completion webhook POSTs (docs/webhooks.md): session.completed when a session's documents " +
      'are stored, lifecycle.completed/expired/failed/cancelled when the lifecycle ends. Signed in ' +
      'X-HotDocs-Signature; a receiver must accept fields added later.',
  },
};

/** The JSON Schema (draft 2020-12) of one contract schema, as `schemas/<name>.json` holds it. */
export function contractJsonSchema(name: string): Record<string, unknown> {
  const entry = CONTRACT_SCHEMAS[name];
  if (entry === undefined) throw new RangeError(`no contract schema named "${name}"`);
  const generated = z.toJSONSchema(entry.schema, {
    target: 'draft-2020-12',
    io: entry.io,
    // Refinements (duration syntax, reminders before the deadline) have no JSON Schema form;
    // the descriptions say them, and the workflow checks them.
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => keepCaseInsensitivePatterns(zodSchema, jsonSchema),
  });
  const { $schema, ...rest } = generated;
  return { $schema, $id: `${name}.json`, title: entry.title, description: entry.description, ...rest };
}
