import { randomUUID } from 'node:crypto';

// Advance is an ASP.NET service: GUIDs are parsed case-insensitively and written back in lower
// case. What a GUID is comes from the project's one rule, so the emulator accepts what the client
// and the workflow send.
export { isGuid } from '../../src/workflows/message-rules';

export const GUID_FORMAT_HINT = 'a GUID (8-4-4-4-12 hexadecimal digits)';

/** Lower-cases a GUID so lookups do not depend on the caller's casing. */
export function normaliseGuid(value: string): string {
  return value.toLowerCase();
}

export function newGuid(): string {
  return randomUUID();
}
