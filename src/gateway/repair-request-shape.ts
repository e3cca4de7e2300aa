import { z } from 'zod';
import { ANSWERS_REF_MAX_CHARS, REPAIR_MESSAGES, REPAIR_NOTE_MAX_CHARS } from '../client';
import { repairActionSchema } from '../client/lifecycle-schemas';

/**
 * A repair's corrected answers (`answersRef`, message-rules.ts): where the answer XML is in the
 * document store, and its checksum. The answers themselves never travel in a repair.
 */
export const answersRefSchema = z
  .strictObject({
    reference: z
      .string()
      .min(1)
      .max(ANSWERS_REF_MAX_CHARS)
      .describe(
        "Where the corrected answer XML is in the document store, stored under the lifecycle's " +
          'work item and version (as `hotdocs-temporal repair --answers` does)',
      ),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .describe('SHA-256 of the answer XML, 64 lower-case hex digits'),
  })
  .describe(
    "With retry, v2.0 only: corrected answers, put as the version's answer set before the retry. " +
      "Only the reference travels; the answers never enter the lifecycle's history",
  );

/** An operator's note on a repair, one lifecycle's or a bulk one's. */
export const repairNoteSchema = z
  .string({ error: 'note must be a string' })
  .max(REPAIR_NOTE_MAX_CHARS, `note must be at most ${REPAIR_NOTE_MAX_CHARS} characters`);

/** An operator's repair of a lifecycle in needs-attention; named `RepairRequest` in schemas.ts. */
export const repairRequestShape = z
  .strictObject({
    action: repairActionSchema.describe(
      'retry: the failed call again, now (after fixing its cause); accept-completed: Advance did ' +
        'complete the session though it could not confirm it, collect its documents and go on; ' +
        'abandon: end the lifecycle as failed',
    ),
    note: repairNoteSchema.optional().describe('Why, for the record (status and history)'),
    answersRef: answersRefSchema.optional(),
  })
  .refine((r) => r.answersRef === undefined || r.action === 'retry', REPAIR_MESSAGES.answersRefOnlyWithRetry);
