import { z } from 'zod';

/**
 * Switches for everything the Advance docs leave open (status codes, duplicate handling, response
 * shapes), so the client can be tested against every plausible real-server behaviour.
 */
const behaviourShape = {
  /** Status of a successful create: 200 and 201 carry the work item, 204 has no body. */
  createSuccessStatus: z.literal([200, 201, 204]),
  /** A second create with an existing GUID: 409, a 200 no-op, or a 200 that updates the fields. */
  duplicateCreate: z.enum(['conflict', 'noop', 'update']),
  /** A begin repeating the in-progress session's versionId: rejected, or answered with the same session. */
  repeatBegin: z.enum(['conflict', 'idempotent']),
  /** Status for "an assembly session is already in progress". */
  sessionInProgressStatus: z.literal([409, 400, 423]),
  /** Status for save/complete when no session is in progress. */
  noActiveSessionStatus: z.literal([409, 400, 404]),
  /** Whether GET WorkItems/{id} includes `activeSession` (a real server may not expose it). */
  exposeActiveSession: z.boolean(),
  /** Documents list as a bare array or wrapped as `{ "items": [...] }`. */
  documentListShape: z.enum(['array', 'wrapped']),
};

export const behaviourSchema = z.strictObject(behaviourShape);
/** A partial update, merged over the current behaviour; unknown keys are rejected. */
export const behaviourPatchSchema = behaviourSchema.partial();

export type EmulatorBehaviour = z.infer<typeof behaviourSchema>;
export type EmulatorBehaviourPatch = z.input<typeof behaviourPatchSchema>;

export const DEFAULT_BEHAVIOUR: Readonly<EmulatorBehaviour> = Object.freeze({
  createSuccessStatus: 200,
  duplicateCreate: 'conflict',
  repeatBegin: 'conflict',
  sessionInProgressStatus: 409,
  noActiveSessionStatus: 409,
  exposeActiveSession: true,
  documentListShape: 'array',
});

export function mergeBehaviour(
  base: EmulatorBehaviour,
  patch: z.infer<typeof behaviourPatchSchema> | undefined,
): EmulatorBehaviour {
  const merged: EmulatorBehaviour = { ...base };
  if (patch === undefined) return merged;
  // Copy only keys that are present, so `{ key: undefined }` never erases a setting.
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}
