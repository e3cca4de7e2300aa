import { randomUUID } from 'node:crypto';

// Advance is an ASP.NET service: GUIDs are parsed case-insensitively and written back in lower case.
const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const GUID_FORMAT_HINT = 'a GUID (8-4-4-4-12 hexadecimal digits)';

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID_PATTERN.test(value);
}

/** Lower-cases a GUID so lookups do not depend on the caller's casing. */
export function normaliseGuid(value: string): string {
  return value.toLowerCase();
}

export function newGuid(): string {
  return randomUUID();
}
