import { z } from 'zod';
import {
  DOCUMENT_KINDS,
  LIFECYCLE_EVENT_OUTCOMES,
  LIFECYCLE_EVENT_TYPES,
  type LifecycleEvent,
  type LifecycleEventDocument,
  type LifecycleEventRepair,
} from '../notifications/lifecycle-events';

/**
 * The completion webhook's event (src/notifications/lifecycle-events.ts) as a zod schema: for
 * receivers that validate what they got, and for the published JSON Schema (`z.toJSONSchema`).
 * Objects are loose: a receiver must accept fields added later.
 */

const lifecycleEventDocumentSchema = z
  .looseObject({
    documentId: z.string().min(1),
    fileName: z.string(),
    contentType: z.string().optional(),
    size: z.number().int().nonnegative().optional(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    kind: z.enum(DOCUMENT_KINDS).optional(),
    href: z.url().optional(),
  })
  .meta({
    description:
      'A stored document; kind "answers" is the version\'s answer set (absent: an assembled document); href is the gateway download link, when configured.',
  });

const lifecycleEventRepairSchema = z
  .looseObject({
    action: z.string().min(1),
    by: z.string().optional(),
    note: z.string().optional(),
    at: z.iso.datetime(),
    reason: z.string(),
    call: z.string(),
  })
  .meta({
    description:
      "An operator's repair while the lifecycle needed attention: by is the gateway API key's name or the operator's OS user.",
  });

export const lifecycleEventSchema = z
  .looseObject({
    id: z.string().min(1).meta({ description: 'Unique per event, the same on every delivery attempt.' }),
    type: z.enum(LIFECYCLE_EVENT_TYPES),
    occurredAt: z.iso.datetime(),
    lifecycleId: z.string().min(1),
    businessKey: z.string().optional(),
    tenancy: z.string().optional(),
    workItemId: z.string().min(1),
    versionId: z.string().optional(),
    documents: z.array(lifecycleEventDocumentSchema).optional(),
    outcome: z.enum(LIFECYCLE_EVENT_OUTCOMES).optional(),
    reason: z.string().optional(),
    repairs: z.array(lifecycleEventRepairSchema).optional(),
    acceptedBy: lifecycleEventRepairSchema.optional().meta({
      description:
        'session.completed of a session Advance could not confirm: the accept-completed repair of the operator who accepted it.',
    }),
  })
  .meta({
    id: 'LifecycleEvent',
    title: 'Lifecycle event',
    description:
      'What the completion webhook posts (docs/webhooks.md), signed in X-HotDocs-Signature; its id also in X-HotDocs-Event-Id.',
  });

// The schema must describe exactly the events the workflow builds (a compile error otherwise);
// loose objects add an index signature, which the comparison leaves out.
type Same<A, B> =
  (<T>() => T extends Flat<A> ? 1 : 2) extends <T>() => T extends Flat<B> ? 1 : 2 ? true : false;
type Flat<T> = { [K in keyof T]: T[K] };
type Known<T> = { [K in keyof T as string extends K ? never : K]: T[K] };
type ParsedEvent = Known<z.output<typeof lifecycleEventSchema>>;
const eventTypesAgree: [
  Same<
    Omit<ParsedEvent, 'documents' | 'repairs' | 'acceptedBy'>,
    Omit<LifecycleEvent, 'documents' | 'repairs' | 'acceptedBy'>
  >,
  Same<Known<z.output<typeof lifecycleEventDocumentSchema>>, LifecycleEventDocument>,
  Same<Known<z.output<typeof lifecycleEventRepairSchema>>, LifecycleEventRepair>,
] = [true, true, true];
void eventTypesAgree;
