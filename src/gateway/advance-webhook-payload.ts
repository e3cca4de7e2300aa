/**
 * What a HotDocs Advance webhook posts, read leniently: the pages name the events and a "Payload
 * Format" (standard or legacy) but not the fields (shared/advance-api-v2.md §4). Accepted: a JSON
 * object or form fields, in either format; the fields may also come as one JSON text in a field
 * `payload`. Names are matched without regard to case, under the aliases below
 * (docs/advance-v2.md lists the assumption; the emulator's `webhookPayload` switch sends both).
 */

/** The events the lifecycle acts on (by reading its version's status); the others are logged only. */
export const STATUS_EVENTS = ['NewWorkItemVersionComplete', 'PostProcessingEvent'] as const;

export interface AdvanceWebhookPost {
  event?: string;
  workItemId?: string;
  versionId?: string;
  token?: string;
}

const ALIASES = {
  event: ['eventType', 'event', 'type', 'webhookEvent', 'eventName'],
  workItemId: ['workItemId', 'workItem_Id', 'itemId'],
  versionId: ['workItemVersionId', 'versionId'],
  token: ['token'],
} as const;

export function readAdvanceWebhookPost(body: unknown): AdvanceWebhookPost {
  const fields = flatten(body);
  const post: AdvanceWebhookPost = {};
  for (const [name, aliases] of Object.entries(ALIASES) as Array<
    [keyof AdvanceWebhookPost, readonly string[]]
  >) {
    const value = aliases.map((alias) => fields.get(alias.toLowerCase())).find((v) => v !== undefined);
    if (value !== undefined) post[name] = value;
  }
  return post;
}

/** True for an event that can mean the version's status changed. */
export function isStatusEvent(event: string | undefined): boolean {
  return STATUS_EVENTS.some((name) => name.toLowerCase() === event?.toLowerCase());
}

/** Lower-cased field names to string values; a nested `payload` (object or JSON text) and `workItem.id` too. */
function flatten(body: unknown): Map<string, string> {
  const fields = new Map<string, string>();
  const take = (value: unknown) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
    for (const [key, field] of Object.entries(value)) {
      const lower = key.toLowerCase();
      if (typeof field === 'string' || typeof field === 'number') {
        if (!fields.has(lower)) fields.set(lower, String(field));
      } else if (lower === 'workitem' && typeof field === 'object' && field !== null) {
        const id = (field as Record<string, unknown>)['id'] ?? (field as Record<string, unknown>)['Id'];
        if (typeof id === 'string' && !fields.has('workitemid')) fields.set('workitemid', id);
      }
    }
  };
  take(body);
  const nested =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['payload'] : undefined;
  if (typeof nested === 'string') {
    try {
      take(JSON.parse(nested));
    } catch {
      // not JSON: an ordinary field
    }
  } else {
    take(nested);
  }
  return fields;
}
