import { parseArgs } from 'node:util';
import type { EmulatorApiVersion } from '../dev/emulator-env';

/** The HotDocs Advance protocols a chaos run can speak (`--api`). */
export const CHAOS_API_VERSIONS: readonly EmulatorApiVersion[] = ['v1.1', 'v2.0'];

/** How big and how rough one chaos run is. */
export interface ChaosOptions {
  /**
   * The HotDocs Advance protocol the workers speak to the emulator. On v2.0 the emulator also
   * completes versions asynchronously (see `V2_CHAOS_BEHAVIOUR`), so status reads run under the faults.
   * @default 'v1.1'
   */
  api: EmulatorApiVersion;
  /** How many lifecycles to run. */
  lifecycles: number;
  /** Seeds the lifecycle mix, the kill and restart moments, and the emulator's faults. */
  seed: number;
  /** At least this many worker processes are SIGKILLed during the run. */
  workerKills: number;
  /** Dev server restarts (stop, start on the same SQLite file and port) during the run. */
  serverRestarts: number;
  /** Extra seconds the server stays down at each restart (0: started again at once). */
  serverDowntimeSeconds: number;
  /** Worker processes running at once (one or two; a kill may take them all down for a while). */
  workers: number;
  /** Lifecycles the driver keeps in flight at once. */
  concurrency: number;
  /**
   * Multiplies the emulator's fault rates (1 = 10 % 5xx, 5 % 429, 3 % resets, 3 % apply-then-fail
   * on every endpoint). Lower only to shorten the retry tail, never to hide a lost or duplicated lifecycle.
   */
  faultScale: number;
  /** Token lifetime at the emulator and in the worker's configuration: tokens expire mid-run. */
  tokenLifetimeSeconds: number;
  /** The whole run is given up (and reported as failed) after this long. */
  timeoutSeconds: number;
  /** Keep the temporary directory (SQLite file, worker logs) even when the run passes. */
  keep: boolean;
}

/** Sized for 2 cores and a few minutes. */
export const DEFAULT_CHAOS_OPTIONS: Omit<ChaosOptions, 'seed'> = {
  api: 'v1.1',
  lifecycles: 200,
  workerKills: 6,
  serverRestarts: 1,
  serverDowntimeSeconds: 0,
  workers: 2,
  concurrency: 40,
  faultScale: 1,
  tokenLifetimeSeconds: 3,
  timeoutSeconds: 900,
  keep: false,
};

export const CHAOS_USAGE = `Usage: npm run chaos -- [options]

  --api <version>        HotDocs Advance protocol, v1.1 or v2.0 (default ${DEFAULT_CHAOS_OPTIONS.api})
  --lifecycles <n>       lifecycles to run (default ${DEFAULT_CHAOS_OPTIONS.lifecycles})
  --seed <n>             seed for the mix, the chaos schedule and the faults (default: random, printed)
  --worker-kills <n>     worker processes to SIGKILL, at least (default ${DEFAULT_CHAOS_OPTIONS.workerKills})
  --server-restarts <n>  dev server restarts (default ${DEFAULT_CHAOS_OPTIONS.serverRestarts})
  --server-downtime <s>  extra seconds the server stays down at each restart (default ${DEFAULT_CHAOS_OPTIONS.serverDowntimeSeconds})
  --workers <n>          worker processes at once, 1 or 2 (default ${DEFAULT_CHAOS_OPTIONS.workers})
  --concurrency <n>      lifecycles in flight at once (default ${DEFAULT_CHAOS_OPTIONS.concurrency})
  --fault-scale <x>      multiply the Advance fault rates by x, 0 to 1 (default ${DEFAULT_CHAOS_OPTIONS.faultScale})
  --token-lifetime <s>   Advance token lifetime in seconds (default ${DEFAULT_CHAOS_OPTIONS.tokenLifetimeSeconds})
  --timeout <s>          give up after this many seconds (default ${DEFAULT_CHAOS_OPTIONS.timeoutSeconds})
  --keep                 keep the temporary directory (SQLite file, worker logs) even on success
  --help                 this text
`;

export class ChaosUsageError extends Error {
  override name = 'ChaosUsageError';
}

/** Command-line arguments → options; `undefined` when `--help` was asked for. */
export function parseChaosArgs(args: string[]): ChaosOptions | undefined {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      api: { type: 'string' },
      lifecycles: { type: 'string' },
      seed: { type: 'string' },
      'worker-kills': { type: 'string' },
      'server-restarts': { type: 'string' },
      'server-downtime': { type: 'string' },
      workers: { type: 'string' },
      concurrency: { type: 'string' },
      'fault-scale': { type: 'string' },
      'token-lifetime': { type: 'string' },
      timeout: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return undefined;
  const d = DEFAULT_CHAOS_OPTIONS;
  return {
    api: apiVersion(values.api, d.api),
    lifecycles: whole(values.lifecycles, '--lifecycles', d.lifecycles, 1, 100_000),
    seed: whole(values.seed, '--seed', randomSeed(), 0, 2 ** 31 - 1),
    workerKills: whole(values['worker-kills'], '--worker-kills', d.workerKills, 0, 1_000),
    serverRestarts: whole(values['server-restarts'], '--server-restarts', d.serverRestarts, 0, 100),
    serverDowntimeSeconds: whole(
      values['server-downtime'],
      '--server-downtime',
      d.serverDowntimeSeconds,
      0,
      3_600,
    ),
    workers: whole(values.workers, '--workers', d.workers, 1, 2),
    concurrency: whole(values.concurrency, '--concurrency', d.concurrency, 1, 10_000),
    faultScale: fraction(values['fault-scale'], '--fault-scale', d.faultScale),
    tokenLifetimeSeconds: whole(
      values['token-lifetime'],
      '--token-lifetime',
      d.tokenLifetimeSeconds,
      1,
      86_400,
    ),
    timeoutSeconds: whole(values.timeout, '--timeout', d.timeoutSeconds, 10, 86_400),
    keep: values.keep,
  };
}

function whole(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new ChaosUsageError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

function apiVersion(raw: string | undefined, fallback: EmulatorApiVersion): EmulatorApiVersion {
  if (raw === undefined) return fallback;
  const version = CHAOS_API_VERSIONS.find((v) => v === raw.trim());
  if (version === undefined) {
    throw new ChaosUsageError(`--api must be one of ${CHAOS_API_VERSIONS.join(', ')} (got "${raw}")`);
  }
  return version;
}

function fraction(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new ChaosUsageError(`${name} must be a number from 0 to 1 (got "${raw}")`);
  }
  return value;
}

/** A fresh seed per run explores new schedules; the report prints it so a run can be repeated. */
function randomSeed(): number {
  return Math.floor(Math.random() * 1_000_000);
}
