import { describe, type FailureContext } from './classify';
import { AdvanceValidationError } from './errors';
import { isGuid } from '../workflows/message-rules';

/** Refuses, before anything is sent, ids that are not GUIDs, naming each (required or malformed). */
export function checkGuids(context: FailureContext, values: Record<string, unknown>): void {
  const bad = Object.entries(values).filter(([, value]) => !isGuid(value));
  if (bad.length === 0) return;
  const names = bad.map(([name, value]) =>
    value === undefined || value === '' ? `${name} is required` : `${name} is not a GUID`,
  );
  throw new AdvanceValidationError(`${describe(context)}: ${names.join('; ')}`, context);
}
