import { setTimeout as sleep } from 'node:timers/promises';
import {
  REPAIR_BY_MAX_CHARS,
  REPAIR_NOTE_MAX_CHARS,
  type LifecycleStage,
  type RepairAction,
} from '../workflows/message-rules';
import {
  LifecycleClientError,
  LifecycleClosedError,
  LifecycleInputError,
  LifecycleNotFoundError,
  LifecycleRequestRejectedError,
} from './errors';
import type { LifecycleClient } from './lifecycle-client';
import { countLifecycles, lifecycleQuery, listLifecycles, type ListedLifecycle } from './lifecycle-list';

/**
 * Repair in bulk: every lifecycle in `needs-attention` that a visibility query matches gets the
 * same repair, one `repair` update each, at a bounded rate (a retried login or call per lifecycle
 * must not hit Advance all at once). Each update keeps its own validation: a lifecycle that no
 * longer needs attention refuses, and is reported as refused.
 */

/** Actions that can be given to many lifecycles at once; accept-completed is decided one by one. */
export const BULK_REPAIR_ACTIONS = ['retry', 'abandon'] as const satisfies readonly RepairAction[];
export type BulkRepairAction = (typeof BULK_REPAIR_ACTIONS)[number];

export const DEFAULT_BULK_REPAIR_LIMIT = 100;
export const MAX_BULK_REPAIR_LIMIT = 10_000;
export const DEFAULT_BULK_REPAIR_RATE = 10;
export const MAX_BULK_REPAIR_RATE = 100;
/** Repairs awaiting their lifecycle's answer at once, whatever the rate. */
const MAX_IN_FLIGHT = 16;

export interface BulkRepairRequest {
  /**
   * Visibility query; ANDed with: our workflow type, running, stage `needs-attention`, and the
   * client's task queue (the deployment's lifecycles only).
   */
  query: string;
  action: BulkRepairAction;
  /** Recorded with every repair; at most `REPAIR_NOTE_MAX_CHARS` (500) characters. */
  note?: string;
  /** Who repairs (an API key's name, an OS user), recorded with every repair. */
  by: string;
  /** List what would be repaired; change nothing. @default false */
  dryRun?: boolean;
  /** More matches than this are refused unless `confirmed`. @default 100 */
  limit?: number;
  confirmed?: boolean;
  /** Repairs started per second. @default 10 (at most 100) */
  ratePerSecond?: number;
}

export interface BulkRepairOptions {
  /** Clauses ANDed to the query, and the final say on each match (a gateway key's scope). */
  scope?: { query?: string; covers(lifecycle: ListedLifecycle): boolean };
  /** Told after each repair. */
  onProgress?: (progress: { done: number; total: number; lifecycle: BulkRepairItem }) => void;
  /** Stops starting repairs (those not started are reported as skipped). */
  signal?: AbortSignal;
}

export type BulkRepairOutcome = 'would-repair' | 'repaired' | 'refused' | 'failed' | 'skipped';

export interface BulkRepairItem {
  lifecycleId: string;
  tenancy?: string;
  businessKey?: string;
  outcome: BulkRepairOutcome;
  /** After a repair: the stage the lifecycle moved on to. */
  stage?: LifecycleStage;
  /** Why it was refused or failed. */
  error?: string;
}

export interface BulkRepairSummary {
  /** The visibility query that selected the lifecycles. */
  query: string;
  action: BulkRepairAction;
  dryRun: boolean;
  matched: number;
  repaired: number;
  refused: number;
  failed: number;
  skipped: number;
  lifecycles: BulkRepairItem[];
}

/** Checks a bulk repair request's fields; throws `LifecycleInputError` naming every problem. */
export function checkBulkRepairRequest(request: BulkRepairRequest): void {
  const problems: string[] = [];
  if (!(BULK_REPAIR_ACTIONS as readonly string[]).includes(request.action))
    problems.push(
      `action must be one of ${BULK_REPAIR_ACTIONS.join(', ')} (accept-completed is decided one lifecycle at a time)`,
    );
  if (request.note !== undefined && request.note.length > REPAIR_NOTE_MAX_CHARS)
    problems.push(`note must be at most ${REPAIR_NOTE_MAX_CHARS} characters`);
  if (request.by.length === 0 || request.by.length > REPAIR_BY_MAX_CHARS)
    problems.push(`by must be 1 to ${REPAIR_BY_MAX_CHARS} characters`);
  const { limit = DEFAULT_BULK_REPAIR_LIMIT, ratePerSecond = DEFAULT_BULK_REPAIR_RATE } = request;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BULK_REPAIR_LIMIT)
    problems.push(`limit must be a whole number from 1 to ${MAX_BULK_REPAIR_LIMIT}`);
  if (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0 || ratePerSecond > MAX_BULK_REPAIR_RATE)
    problems.push(`rate must be above 0 and at most ${MAX_BULK_REPAIR_RATE} repairs a second`);
  if (problems.length > 0) throw new LifecycleInputError(problems, 'bulk repair');
}

export async function repairInBulk(
  lifecycles: LifecycleClient,
  request: BulkRepairRequest,
  { scope, onProgress, signal }: BulkRepairOptions = {},
): Promise<BulkRepairSummary> {
  checkBulkRepairRequest(request);
  const limit = request.limit ?? DEFAULT_BULK_REPAIR_LIMIT;
  const selected = lifecycleQuery({
    taskQueue: lifecycles.taskQueue,
    stage: 'needs-attention',
    query: request.query,
  });
  const query = scope?.query === undefined ? selected : `${selected} AND ${scope.query}`;
  const confirmed = request.confirmed === true;
  const listing = await listLifecycles(lifecycles.temporal, query, {
    limit: confirmed ? MAX_BULK_REPAIR_LIMIT : limit,
  });
  const matches = listing.lifecycles.filter((lifecycle) => scope?.covers(lifecycle) ?? true);
  if (listing.truncated || (!confirmed && matches.length > limit)) {
    const count = await countLifecycles(lifecycles.temporal, query);
    throw new LifecycleClientError(
      'too-many-matches',
      `The query matches ${count} lifecycles in needs-attention, ` +
        (confirmed
          ? `more than one run repairs (${MAX_BULK_REPAIR_LIMIT}): narrow the query`
          : `more than the limit of ${limit}: narrow the query, raise the limit, or confirm (--yes, "confirm": true)`),
    );
  }
  const summary: BulkRepairSummary = {
    query,
    action: request.action,
    dryRun: request.dryRun === true,
    matched: matches.length,
    repaired: 0,
    refused: 0,
    failed: 0,
    skipped: 0,
    lifecycles: [],
  };
  if (request.dryRun === true) {
    summary.lifecycles = matches.map((match) => ({ ...identity(match), outcome: 'would-repair' }));
    return summary;
  }
  const items = await paced(
    matches,
    request.ratePerSecond ?? DEFAULT_BULK_REPAIR_RATE,
    signal,
    async (match) => {
      const item = await repairOne(lifecycles, match, request);
      summary[item.outcome as 'repaired' | 'refused' | 'failed'] += 1;
      onProgress?.({
        done: summary.repaired + summary.refused + summary.failed,
        total: matches.length,
        lifecycle: item,
      });
      return item;
    },
  );
  summary.lifecycles = matches.map(
    (match, i) =>
      items[i] ?? { ...identity(match), outcome: 'skipped', error: 'not started: the run was stopped' },
  );
  summary.skipped = summary.lifecycles.filter((item) => item.outcome === 'skipped').length;
  return summary;
}

async function repairOne(
  lifecycles: LifecycleClient,
  match: ListedLifecycle,
  { action, note, by }: BulkRepairRequest,
): Promise<BulkRepairItem> {
  try {
    const outcome = await lifecycles.repair(match.lifecycleId, {
      action,
      ...(note === undefined ? {} : { note }),
      by,
    });
    return { ...identity(match), outcome: 'repaired', stage: outcome.stage };
  } catch (error) {
    // Refused by the lifecycle itself (it no longer needs attention) or ended since it was listed.
    const refused =
      error instanceof LifecycleRequestRejectedError ||
      error instanceof LifecycleClosedError ||
      error instanceof LifecycleNotFoundError;
    return {
      ...identity(match),
      outcome: refused ? 'refused' : 'failed',
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

/**
 * Runs `work` for each item, starting at most `perSecond` a second and keeping at most
 * MAX_IN_FLIGHT awaiting; results in the items' order, undefined for those never started.
 */
async function paced<T, R>(
  items: readonly T[],
  perSecond: number,
  signal: AbortSignal | undefined,
  work: (item: T) => Promise<R>,
): Promise<(R | undefined)[]> {
  const results: (R | undefined)[] = new Array<R | undefined>(items.length);
  const inFlight = new Set<Promise<void>>();
  const startedAt = Date.now();
  for (const [index, item] of items.entries()) {
    const due = startedAt + (index * 1000) / perSecond;
    if (due > Date.now()) await sleep(due - Date.now(), undefined, { signal }).catch(() => undefined);
    if (signal?.aborted) break;
    const running: Promise<void> = work(item).then((result) => {
      results[index] = result;
      inFlight.delete(running);
    });
    inFlight.add(running);
    if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return results;
}

function identity(match: ListedLifecycle): Pick<BulkRepairItem, 'lifecycleId' | 'tenancy' | 'businessKey'> {
  return {
    lifecycleId: match.lifecycleId,
    ...(match.tenancy === undefined ? {} : { tenancy: match.tenancy }),
    ...(match.businessKey === undefined ? {} : { businessKey: match.businessKey }),
  };
}
