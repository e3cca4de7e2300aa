/** Readers for JSON whose shape Advance does not document: any key case, bare or wrapped lists. */

type Json = Record<string, unknown>;

/** Case-insensitive field lookup over several candidate names. */
export function field(object: unknown, ...names: string[]): unknown {
  if (typeof object !== 'object' || object === null) return undefined;
  // The exact spelling is the common case; the case-insensitive scan only runs on a miss.
  for (const name of names) {
    if (Object.hasOwn(object, name)) return (object as Json)[name];
  }
  const entries = Object.entries(object as Json);
  for (const name of names) {
    const hit = entries.find(([key]) => key.toLowerCase() === name.toLowerCase());
    if (hit !== undefined) return hit[1];
  }
  return undefined;
}

/** A list either bare or wrapped in a paging envelope. */
export function listOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  const inner = field(value, 'items', 'value', 'documents', 'versions', 'results');
  return Array.isArray(inner) ? inner : [];
}
