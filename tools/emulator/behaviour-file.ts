import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { behaviourPatchSchema, type EmulatorBehaviourPatch } from './behaviour';
import { describeZodIssues } from './zod-issues';

/**
 * A file of behaviour switches, so that an emulator can be started behaving like a given
 * HotDocs Advance tenancy: `hotdocs-temporal advance-probe --emulator-config <file>` writes one
 * from what the tenancy answered. `behaviour` holds the switches as `PUT /__emulator/behaviour`
 * takes them (a partial set: the others keep their defaults); `about` says where they came from.
 */
export const behaviourFileSchema = z.strictObject({
  about: z.string().optional(),
  behaviour: behaviourPatchSchema,
});

export type BehaviourFile = z.infer<typeof behaviourFileSchema>;

/** The switches of a behaviour file; throws an `Error` naming the file and every problem in it. */
export function readBehaviourFile(file: string): EmulatorBehaviourPatch {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(
      `behaviour file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`behaviour file ${file} is not valid JSON`);
  }
  const parsed = behaviourFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`behaviour file ${file} is invalid:\n${describeZodIssues(parsed.error)}`);
  }
  return parsed.data.behaviour;
}
