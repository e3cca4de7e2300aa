import { z } from 'zod';
import { behaviourPatchSchema } from './behaviour';
import { readBehaviourFile } from './behaviour-file';
import { faultsConfigSchema } from './fault-config';
import { isGuid } from './guid';
import { describeZodIssues } from './zod-issues';

/** Receives one line per handled request and per notable event; the default is silence. */
export type EmulatorLogger = (message: string) => void;

const guid = z.string().refine(isGuid, 'must be a GUID (8-4-4-4-12 hexadecimal digits)');

export const emulatorOptionsSchema = z.strictObject({
  /** 0 picks a free port. */
  port: z.int().min(0).max(65_535).default(0),
  host: z.string().min(1).default('127.0.0.1'),
  clientName: z.string().min(1).default('hotdocs-temporal'),
  principalName: z.string().min(1).default('orchestrator'),
  principalPassword: z.string().min(1).default('emulator-secret'),
  /** The API client's scope; `Query` cannot call command methods. */
  scope: z.enum(['Query', 'Command', 'Root']).default('Command'),
  /** Fractions are allowed so tests can use short lifetimes. */
  tokenLifetimeSeconds: z.number().positive().default(3600),
  tokenFormat: z.enum(['jwt', 'opaque']).default('jwt'),
  /** Origin used in generated links (interviewJsUrl); defaults to the listening origin. */
  publicUrl: z
    .url({ protocol: /^https?$/ })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  /** Where the interview page posts on Finish; `{workItemId}`, `{versionId}`, `{coreSessionId}` are filled in. */
  interviewFinishUrl: z.string().min(1).optional(),
  /** When set, creates naming another work group are answered 404. */
  workGroupIds: z.array(guid).optional(),
  /** When set, creates naming another template package are answered 404. */
  templatePackageIds: z.array(guid).optional(),
  /**
   * A JSON file that keeps the work items across restarts: read at start (when it exists),
   * written after every change and on close. Unset: state lives in memory only.
   */
  stateFile: z.string().min(1).optional(),
  /**
   * A JSON file of switches, `{ "behaviour": {...}, "about"?: "..." }` (what
   * `hotdocs-temporal advance-probe --emulator-config` writes), read at start; `behaviour` given
   * beside it wins switch by switch. Reset goes back to both.
   */
  behaviourFile: z.string().min(1).optional(),
  behaviour: behaviourPatchSchema.optional(),
  faults: faultsConfigSchema.optional(),
  logger: z.custom<EmulatorLogger>((value) => typeof value === 'function', 'must be a function').optional(),
});

export type EmulatorOptions = z.input<typeof emulatorOptionsSchema>;
export type ResolvedEmulatorOptions = z.output<typeof emulatorOptionsSchema>;

export class EmulatorOptionsError extends Error {
  constructor(readonly problems: string) {
    super(`Invalid emulator options:\n${problems}`);
    this.name = 'EmulatorOptionsError';
  }
}

export function resolveEmulatorOptions(options: unknown): ResolvedEmulatorOptions {
  const parsed = emulatorOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) throw new EmulatorOptionsError(describeZodIssues(parsed.error));
  return withBehaviourFile(parsed.data);
}

/** The switches of `behaviourFile` under those of `behaviour`, as the one configured behaviour. */
function withBehaviourFile(options: ResolvedEmulatorOptions): ResolvedEmulatorOptions {
  if (options.behaviourFile === undefined) return options;
  let fromFile;
  try {
    fromFile = readBehaviourFile(options.behaviourFile);
  } catch (error) {
    throw new EmulatorOptionsError(`behaviourFile: ${(error as Error).message}`);
  }
  const given = Object.entries(options.behaviour ?? {}).filter(([, value]) => value !== undefined);
  return { ...options, behaviour: { ...fromFile, ...Object.fromEntries(given) } };
}
