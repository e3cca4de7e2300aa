import type { EmulatorApiVersion } from '../dev/emulator-env';
import type { DuplicateRecord, EmulatorStateSnapshot, WorkItemSnapshot } from '../emulator';
import type { LifecycleOutcome } from './driver';
import { workItemName } from './driver';
import { requestedSessions } from './plan';
import type { RunQuarantine } from './quarantine';

/**
 * The one JSON object `npm run chaos` prints. The first twelve fields are the run's summary: the
 * protocol, then what happened, with the quarantine waits found in the histories.
 */
export interface ChaosReport {
  /** The HotDocs Advance protocol the workers spoke. */
  api: EmulatorApiVersion;
  lifecycles: number;
  completed: number;
  failed: number;
  workItems: number;
  completedVersions: number;
  sessionsInProgress: number;
  duplicateCreatesApplied: number;
  workerKills: number;
  serverRestarts: number;
  /**
   * v1.1's waits after a retried CompleteSession (a durable timer holding the next session back),
   * counted in the histories: on v2.0 there must be none.
   */
  quarantineWaits: number;
  seconds: number;
  seed: number;
  /** What the histories show around the quarantine: retried completions, and who waited how long. */
  quarantine: Pick<RunQuarantine, 'retriedCompletions' | 'historiesRead' | 'lifecycles'>;
  /** Advance requests the emulator saw, by API version (`auth` for logins): only the run's protocol appears. */
  advanceRequests: Record<string, number>;
  /** Interview sessions Advance completed before the driver reported their interview finished. */
  interviewsCompletedEarly: number;
  /**
   * How the driver reported finished interviews, summed: `signal`, or the `completeInterview`
   * update's outcome (`accepted`, `already-finished`, `signalled` when no worker took it in time).
   */
  interviewReports: Record<string, number>;
  /** Sessions the lifecycles asked for (first sessions and follow-ups): what completedVersions must be. */
  requestedSessions: number;
  /** Worker processes that ended without being killed (the fleet started new ones). */
  workerExitsOnTheirOwn: number;
  /** Why each of those ended: its last line of output. */
  workerExitReasons: string[];
  /** Faults the emulator injected, by kind. */
  faultsInjected: Record<string, number>;
  /** Duplicate creates and begins the emulator rejected or absorbed, by outcome (these are fine). */
  duplicatesAbsorbed: Record<string, number>;
  /** How long lifecycles took, start to result: the retry tail shows in p95 and max. */
  lifecycleSeconds: { median: number; p95: number; max: number; slowest?: string };
  /**
   * Follow-up requests (signal or update) that failed without an answer: `landed` ones showed in
   * the status and were not sent again, `repeated` ones did not and were.
   */
  followUpsUnanswered: { landed: number; repeated: number };
  /** Client calls the driver had to repeat, by call. */
  driverRetries: Record<string, number>;
  /** Every broken invariant, one line each; empty when the run passed. */
  violations: string[];
  /** Lifecycles with per-lifecycle evidence (request log, history) written to `evidenceDir`. */
  suspectLifecycles: string[];
  evidenceDir?: string;
}

export interface ReportInputs {
  api: EmulatorApiVersion;
  seed: number;
  runTag: string;
  outcomes: LifecycleOutcome[];
  state: EmulatorStateSnapshot;
  duplicates: DuplicateRecord[];
  /** The API version of each request the emulator served (undefined: the auth service). */
  requestApis: Array<EmulatorApiVersion | undefined>;
  quarantine: RunQuarantine;
  faultKinds: string[];
  workerKills: number;
  workerKillsPlanned: number;
  workerExitsOnTheirOwn: number;
  workerExitReasons: string[];
  serverRestarts: number;
  serverRestartsPlanned: number;
  driverRetries: Map<string, number>;
  seconds: number;
}

/** A duplicate create that changed Advance: an update of the existing item. Conflicts and no-ops are fine. */
function isAppliedDuplicateCreate(record: DuplicateRecord): boolean {
  return record.endpoint === 'createWorkItem' && record.outcome === 'update';
}

/**
 * Checks what the emulator holds against what the lifecycles asked for and reported: one work
 * item per lifecycle, one completed version per requested session (and the very versions the
 * lifecycle reports), nothing left in progress, saved or discarded, no duplicate create applied,
 * every lifecycle completed, the chaos schedule carried out in full, every request in the run's
 * protocol, and — on v2.0, whose calls name their version — no quarantine wait in any history.
 */
export function buildReport(inputs: ReportInputs): ChaosReport {
  const { outcomes, state } = inputs;
  const violations: string[] = [];
  const suspects = new Set<string>();
  const suspect = (outcome: LifecycleOutcome, problem: string): void => {
    violations.push(`${outcome.lifecycleId}: ${problem}`);
    suspects.add(outcome.lifecycleId);
  };

  const versions = state.workItems.flatMap((item) => item.versions);
  const completedVersions = versions.filter((v) => v.status === 'Completed').length;
  const sessionsInProgress = versions.filter((v) => v.status === 'InProgress').length;
  const requested = outcomes.reduce((sum, o) => sum + requestedSessions(o.plan), 0);
  const appliedDuplicates = inputs.duplicates.filter(isAppliedDuplicateCreate);

  // A second work item for a lifecycle would have another GUID: find items by the lifecycle's name too.
  const itemsByName = new Map<string, WorkItemSnapshot[]>();
  for (const item of state.workItems)
    itemsByName.set(item.name, [...(itemsByName.get(item.name) ?? []), item]);
  let extraWorkItems = 0;
  let interviewsCompletedEarly = 0;

  for (const outcome of outcomes) {
    if (outcome.end !== 'completed') {
      suspect(outcome, `ended ${outcome.end}${outcome.error === undefined ? '' : `: ${outcome.error}`}`);
    }
    const items = itemsByName.get(workItemName(inputs.runTag, outcome.plan.index)) ?? [];
    if (items.length !== 1) suspect(outcome, `${items.length} work items in the emulator, expected 1`);
    extraWorkItems += Math.max(0, items.length - 1);
    const item = items.find((i) => i.id === outcome.workItemId) ?? items[0];
    if (item === undefined) continue;
    if (outcome.workItemId !== undefined && item.id !== outcome.workItemId) {
      suspect(outcome, `its work item ${outcome.workItemId} is not in the emulator (found ${item.id})`);
    }
    const completed = item.versions.filter((v) => v.status === 'Completed').map((v) => v.versionId);
    const wanted = requestedSessions(outcome.plan);
    if (completed.length !== wanted) {
      suspect(
        outcome,
        `${completed.length} completed versions in the emulator, ${wanted} session(s) requested`,
      );
    }
    for (const v of item.versions.filter((v) => v.status !== 'Completed')) {
      suspect(outcome, `version ${v.versionId} is ${v.status}`);
    }
    // An interview session must not be completed (and assembled) before its interview finished.
    for (const session of outcome.result?.sessions.filter((s) => s.mode === 'interview') ?? []) {
      const version = item.versions.find((v) => v.versionId === session.versionId);
      const signalled = outcome.interviewsSignalled.find((s) => s.versionId === session.versionId);
      if (version?.completedAt == null) continue;
      if (signalled === undefined || version.completedAt < signalled.at) {
        interviewsCompletedEarly += 1;
        suspect(
          outcome,
          `interview session ${session.versionId} was completed in Advance at ${version.completedAt}, ` +
            (signalled === undefined
              ? 'but its interview was never reported finished'
              : `before its interview was reported finished (${signalled.at})`),
        );
      }
    }
    const reported = outcome.result?.sessions.map((s) => s.versionId) ?? [];
    if (outcome.result !== undefined && !sameSet(reported, completed)) {
      suspect(
        outcome,
        `the lifecycle reports sessions [${reported.join(', ')}] but the emulator completed [${completed.join(', ')}]`,
      );
    }
  }

  const known = new Set(outcomes.map((o) => workItemName(inputs.runTag, o.plan.index)));
  const strangers = state.workItems.filter((item) => !known.has(item.name));
  if (strangers.length > 0) {
    violations.push(
      `${strangers.length} work item(s) belong to no lifecycle: ${strangers.map((s) => s.id).join(', ')}`,
    );
  }
  for (const record of appliedDuplicates) {
    violations.push(`a duplicate create was applied to work item ${record.workItemId} (${record.outcome})`);
  }
  if (state.workItems.length !== outcomes.length) {
    violations.push(`${state.workItems.length} work items for ${outcomes.length} lifecycles`);
  }
  if (completedVersions !== requested) {
    violations.push(`${completedVersions} completed versions for ${requested} requested sessions`);
  }
  if (sessionsInProgress > 0) violations.push(`${sessionsInProgress} session(s) left in progress`);
  if (inputs.workerKills < inputs.workerKillsPlanned) {
    violations.push(`only ${inputs.workerKills} of ${inputs.workerKillsPlanned} worker kills happened`);
  }
  if (inputs.serverRestarts < inputs.serverRestartsPlanned) {
    violations.push(
      `only ${inputs.serverRestarts} of ${inputs.serverRestartsPlanned} server restarts happened`,
    );
  }

  violations.push(...protocolViolations(inputs));
  // A v2.0 lifecycle that waited: its history and request log go into the evidence.
  if (inputs.api === 'v2.0') Object.keys(inputs.quarantine.lifecycles).forEach((id) => suspects.add(id));

  const completedCount = outcomes.filter((o) => o.end === 'completed').length;
  const { waits, retriedCompletions, lifecycles, historiesRead } = inputs.quarantine;
  return {
    api: inputs.api,
    lifecycles: outcomes.length,
    completed: completedCount,
    failed: outcomes.length - completedCount,
    workItems: state.workItems.length,
    completedVersions,
    sessionsInProgress,
    duplicateCreatesApplied: appliedDuplicates.length + extraWorkItems,
    workerKills: inputs.workerKills,
    serverRestarts: inputs.serverRestarts,
    quarantineWaits: waits,
    seconds: Math.round(inputs.seconds),
    seed: inputs.seed,
    quarantine: { retriedCompletions, historiesRead, lifecycles },
    advanceRequests: tally(inputs.requestApis.map((api) => api ?? 'auth')),
    interviewsCompletedEarly,
    interviewReports: sumCounts(outcomes.map((o) => o.interviewReports)),
    requestedSessions: requested,
    workerExitsOnTheirOwn: inputs.workerExitsOnTheirOwn,
    workerExitReasons: inputs.workerExitReasons,
    faultsInjected: tally(inputs.faultKinds),
    duplicatesAbsorbed: tally(
      inputs.duplicates.filter((d) => !isAppliedDuplicateCreate(d)).map((d) => d.outcome),
    ),
    lifecycleSeconds: durations(outcomes),
    followUpsUnanswered: {
      landed: outcomes.reduce((sum, o) => sum + o.followUpsUnanswered.landed, 0),
      repeated: outcomes.reduce((sum, o) => sum + o.followUpsUnanswered.repeated, 0),
    },
    driverRetries: Object.fromEntries([...inputs.driverRetries].sort(([a], [b]) => a.localeCompare(b))),
    violations,
    suspectLifecycles: [...suspects],
  };
}

/** The workers spoke the run's protocol only, every history was read, and v2.0 never quarantined. */
function protocolViolations(inputs: ReportInputs): string[] {
  const violations: string[] = [];
  const strays = inputs.requestApis.filter((api) => api !== undefined && api !== inputs.api).length;
  if (strays > 0) violations.push(`${strays} Advance request(s) spoke another protocol than ${inputs.api}`);
  for (const line of inputs.quarantine.unread) violations.push(`history not read: ${line}`);
  if (inputs.api === 'v2.0' && inputs.quarantine.waits > 0) {
    violations.push(
      `${inputs.quarantine.waits} quarantine wait(s) on v2.0, whose calls name their version: ` +
        Object.keys(inputs.quarantine.lifecycles).join(', '),
    );
  }
  return violations;
}

function durations(outcomes: LifecycleOutcome[]): ChaosReport['lifecycleSeconds'] {
  const sorted = [...outcomes].sort((a, b) => a.seconds - b.seconds);
  const at = (q: number): number =>
    round1(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]?.seconds ?? 0);
  const slowest = sorted[sorted.length - 1];
  return {
    median: at(0.5),
    p95: at(0.95),
    max: round1(slowest?.seconds ?? 0),
    slowest: slowest?.lifecycleId,
  };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function tally(keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

function sumCounts(counts: Array<Record<string, number>>): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const count of counts) for (const [key, n] of Object.entries(count)) sum[key] = (sum[key] ?? 0) + n;
  return sum;
}
