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
  /**
   * Whether GET WorkItems/{id} lists the work item's `versions` with their statuses (v1.1 documents
   * no such list: with it off, a retried completion can be confirmed only by its documents).
   */
  exposeVersions: z.boolean(),
  /** Documents list as a bare array or wrapped as `{ "items": [...] }`. */
  documentListShape: z.enum(['array', 'wrapped']),

  // ---- v2.0 (shared/advance-api-v2.md: response shapes, codes and timings are not documented)
  /** v2.0 Complete and CreateAndAssemble: how long the version reads `Completing`. */
  completingMs: z.number().min(0),
  /** Then how long it reads `PostAssemblyProcessing` (a post-assembly webhook at work). */
  postProcessingMs: z.number().min(0),
  /**
   * How post-assembly processing ends: `completed`, or `failed` — the version reads
   * `PostProcessingFailed` (a status named by the answer-set pages, shared/advance-api-v2.md §8)
   * until an administrator runs the processing again (control `POST versions/{id}/post-processing/rerun`).
   */
  postProcessingOutcome: z.enum(['completed', 'failed']),
  /** Without a callbackUrl, Complete/CreateAndAssemble wait this long for `Completed`, else answer `Completing` with a status URL. */
  syncThresholdMs: z.number().min(0),
  /** v2.0 Complete/CreateAndAssemble/SaveAndClose answer with the version's status, or with no body. */
  completeResponseBody: z.enum(['status', 'empty']),
  /** A status as `{ "status" }`, as `{ "Status" }` (PascalCase keys), or as a bare JSON string. */
  statusShape: z.enum(['object', 'pascal-object', 'string']),
  /** Spelling of status values: `Completed`, `completed` or `COMPLETED`. */
  statusCase: z.enum(['pascal', 'lower', 'upper']),
  /** `GET Versions?filter=` as a bare array or wrapped as `{ "items": [...] }`. */
  versionListShape: z.enum(['array', 'wrapped']),
  /** CreateAndAssemble served, or answered as a server without it would: 404, or 405. */
  createAndAssemble: z.enum(['available', 'not-found', 'method-not-allowed']),
  /** CreateAndAssemble repeating an existing versionId: 409, or the version's status. */
  repeatCreateAndAssemble: z.enum(['conflict', 'status']),
  /** Whether `Versions/{versionId}/Documents[/{id}/Content]` exist (else 404, as on a server without them). */
  versionScopedDocuments: z.boolean(),
  /** Version-scoped documents of a version that is not `Completed` yet: 409, or an empty list. */
  documentsBeforeCompleted: z.enum(['conflict', 'empty']),
  /** Callbacks to `callbackUrl` are posted, or silently never sent (a lost callback). */
  callbackDelivery: z.enum(['send', 'drop']),

  // ---- the Core API's `finishcurrentinterview` (shared/advance-api-v2.md §8: documented, but
  // not its method, authentication or answer)
  /** The method the finish call takes; the other answers 405. */
  finishInterviewMethod: z.enum(['POST', 'PUT']),
  /** The finish call wants Advance's bearer token (401 without it), or no credential at all. */
  finishInterviewAuth: z.enum(['bearer', 'none']),
  /** A successful finish answers 204 without a body, or 200 with `{ "finished": true }`. */
  finishInterviewAnswer: z.enum(['empty', 'json']),
  /** Finishing a session finished before (or no longer in progress): 200 again, 409, 404 or 410. */
  repeatFinishInterview: z.enum(['ok', 'conflict', 'not-found', 'gone']),
  /** A v2.0 Complete of a created version whose interview was not finished: accepted, or refused with 409. */
  completeUnfinishedInterview: z.enum(['allow', 'refuse']),

  // ---- v2.0 answer sets (shared/advance-api-v2.md §8: the calls and the statuses that allow an
  // update are documented, not the content's format or the refusal's status)
  /** `GET AnswerSet/Content` answers the answer XML as `application/xml`, or as a JSON string. */
  answerSetFormat: z.enum(['xml', 'json']),
  /** `PUT`/`PATCH AnswerSet/Content` of a version that is not Saved, Completed or PostProcessingFailed. */
  answerSetUpdateRefusalStatus: z.literal([409, 400]),
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
  exposeVersions: true,
  documentListShape: 'array',
  completingMs: 0,
  postProcessingMs: 0,
  postProcessingOutcome: 'completed',
  syncThresholdMs: 20_000,
  completeResponseBody: 'status',
  statusShape: 'object',
  statusCase: 'pascal',
  versionListShape: 'array',
  createAndAssemble: 'available',
  repeatCreateAndAssemble: 'conflict',
  versionScopedDocuments: true,
  documentsBeforeCompleted: 'conflict',
  callbackDelivery: 'send',
  finishInterviewMethod: 'POST',
  finishInterviewAuth: 'bearer',
  finishInterviewAnswer: 'empty',
  repeatFinishInterview: 'conflict',
  completeUnfinishedInterview: 'allow',
  answerSetFormat: 'xml',
  answerSetUpdateRefusalStatus: 409,
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
