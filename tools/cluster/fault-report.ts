import type { DuplicateRecord, EmulatorStateSnapshot, WorkItemSnapshot } from '../../tools/emulator';
import type { GatewayLifecycleOutcome, GatewayTraffic } from './gateway-driver';
import type { ProcessExit } from './managed-process';
import type { SizingFigures } from './sizing';

export type FaultKind =
  | 'worker-sigkill'
  | 'all-workers-sigkill'
  | 'history-sigkill'
  | 'server-sigkill'
  | 'postgres-restart'
  | 'gateway-sigkill';

/** One fault the run injected, with what was going on at that moment. */
export interface FaultEvent {
  kind: FaultKind;
  /** `parked`: lifecycles waiting for their interviews; `in-flight`: lifecycles running activities. */
  phase: 'parked' | 'in-flight';
  at: string;
  /** From the kill (or stop) until the part was back. */
  downMs: number;
  /** Lifecycles started and not yet ended. */
  lifecyclesOpen: number;
  /** Lifecycles parked on their interview at that moment. */
  lifecyclesWaiting: number;
  /** Advance calls (activities) the emulator was answering at that moment. */
  advanceCallsInFlight: number;
  /** Gateway requests in flight on the killed gateway (gateway kills only). */
  gatewayRequestsInFlight?: number;
  target?: string;
}

/** The one JSON object of a fault run on the production cluster; the first fields are its summary. */
export interface ClusterFaultReport {
  lifecycles: number;
  completed: number;
  failed: number;
  workItems: number;
  completedVersions: number;
  sessionsInProgress: number;
  duplicateCreatesApplied: number;
  interviewsCompletedEarly: number;
  workerKills: number;
  historyKills: number;
  serverKills: number;
  postgresRestarts: number;
  gatewayKills: number;
  /** Gateway requests cut by a gateway kill (the business system repeated them elsewhere). */
  gatewayRequestsCut: number;
  seconds: number;
  /** Lifecycles whose calls were answered by more than one gateway, in all and by phase. */
  lifecyclesAcrossGateways: number;
  acrossGatewaysByPhase: Record<string, { lifecycles: number; acrossGateways: number }>;
  requestsByGateway: Record<string, number>;
  /** Calls the business system repeated, by why the first answer was no answer. */
  gatewayRetries: Record<string, number>;
  /** Creates and begins Advance saw twice and rejected or absorbed (these are fine). */
  duplicatesAbsorbed: Record<string, number>;
  faults: FaultEvent[];
  /** Processes that ended without being killed. */
  unexpectedExits: Array<Pick<ProcessExit, 'name' | 'code' | 'signal' | 'at' | 'lastOutput'>>;
  lifecycleSeconds: { median: number; p95: number; max: number };
  sizing: SizingFigures;
  violations: string[];
}

export interface FaultReportInputs {
  outcomes: GatewayLifecycleOutcome[];
  state: EmulatorStateSnapshot;
  duplicates: DuplicateRecord[];
  faults: FaultEvent[];
  plannedFaults: FaultKind[];
  traffic: GatewayTraffic;
  exits: ProcessExit[];
  sizing: SizingFigures;
  seconds: number;
}

/**
 * Checks what Advance (the emulator) holds against what the lifecycles reported: one work item
 * per lifecycle, one completed version per session and the very version the lifecycle reports,
 * nothing left in progress, no duplicate create applied, no interview session completed before its
 * finish link was posted, every lifecycle completed, and every planned fault carried out.
 */
export function buildFaultReport(inputs: FaultReportInputs): ClusterFaultReport {
  const { outcomes, state } = inputs;
  const violations: string[] = [];
  const byName = new Map<string, WorkItemSnapshot[]>();
  for (const item of state.workItems) byName.set(item.name, [...(byName.get(item.name) ?? []), item]);
  let extraWorkItems = 0;
  let interviewsCompletedEarly = 0;

  for (const outcome of outcomes) {
    const id = outcome.lifecycleId;
    if (outcome.end !== 'completed') violations.push(`${id}: ended ${outcome.end}: ${outcome.error ?? ''}`);
    const items = byName.get(outcome.plan.workItemName) ?? [];
    if (items.length !== 1) violations.push(`${id}: ${items.length} work items in Advance, expected 1`);
    extraWorkItems += Math.max(0, items.length - 1);
    const item = items[0];
    if (item === undefined) continue;
    if (outcome.workItemId !== undefined && item.id !== outcome.workItemId) {
      violations.push(`${id}: the gateway named work item ${outcome.workItemId}, Advance holds ${item.id}`);
    }
    const completed = item.versions.filter((v) => v.status === 'Completed');
    if (completed.length !== 1) violations.push(`${id}: ${completed.length} completed versions, expected 1`);
    for (const version of item.versions.filter((v) => v.status !== 'Completed')) {
      violations.push(`${id}: version ${version.versionId} is ${version.status}`);
    }
    const reported = [...outcome.completedVersions].sort().join(',');
    if (
      outcome.end === 'completed' &&
      reported !==
        completed
          .map((v) => v.versionId)
          .sort()
          .join(',')
    ) {
      violations.push(
        `${id}: reports sessions [${reported}], Advance completed [${completed.map((v) => v.versionId)}]`,
      );
    }
    for (const version of completed) {
      if (outcome.plan.mode !== 'interview' || version.completedAt === null) continue;
      const finishedAt = outcome.interviewsFinishedAt[version.versionId];
      if (finishedAt === undefined || version.completedAt < finishedAt) {
        interviewsCompletedEarly += 1;
        violations.push(
          `${id}: session ${version.versionId} completed at ${version.completedAt}, before its finish link`,
        );
      }
    }
  }
  const known = new Set(outcomes.map((o) => o.plan.workItemName));
  const strangers = state.workItems.filter((item) => !known.has(item.name));
  if (strangers.length > 0) violations.push(`${strangers.length} work item(s) belong to no lifecycle`);
  const applied = inputs.duplicates.filter((d) => d.endpoint === 'createWorkItem' && d.outcome === 'update');
  for (const record of applied)
    violations.push(`a duplicate create was applied to work item ${record.workItemId}`);

  const count = (kind: FaultKind): number => inputs.faults.filter((f) => f.kind === kind).length;
  for (const kind of new Set(inputs.plannedFaults)) {
    const planned = inputs.plannedFaults.filter((k) => k === kind).length;
    if (count(kind) < planned) violations.push(`only ${count(kind)} of ${planned} planned ${kind} happened`);
  }
  for (const fault of inputs.faults) {
    if (fault.phase === 'parked' && fault.lifecyclesWaiting === 0)
      violations.push(`${fault.kind} at ${fault.at} found no lifecycle waiting for its interview`);
    if (fault.phase === 'in-flight' && fault.kind !== 'gateway-sigkill' && fault.advanceCallsInFlight === 0)
      violations.push(`${fault.kind} at ${fault.at} found no activity calling Advance`);
  }
  if (count('gateway-sigkill') > 0 && inputs.traffic.cutMidRequest === 0)
    violations.push('the gateway kills cut no request in flight');
  const unexpected = inputs.exits.filter((e) => e.endedBy === 'itself');
  for (const exit of unexpected)
    violations.push(`${exit.name} exited on its own (code ${exit.code}, signal ${exit.signal})`);

  const completedCount = outcomes.filter((o) => o.end === 'completed').length;
  const versions = state.workItems.flatMap((item) => item.versions);
  return {
    lifecycles: outcomes.length,
    completed: completedCount,
    failed: outcomes.length - completedCount,
    workItems: state.workItems.length,
    completedVersions: versions.filter((v) => v.status === 'Completed').length,
    sessionsInProgress: versions.filter((v) => v.status === 'InProgress').length,
    duplicateCreatesApplied: applied.length + extraWorkItems,
    interviewsCompletedEarly,
    workerKills: count('worker-sigkill') + 2 * count('all-workers-sigkill'),
    historyKills: count('history-sigkill'),
    serverKills: count('server-sigkill'),
    postgresRestarts: count('postgres-restart'),
    gatewayKills: count('gateway-sigkill'),
    gatewayRequestsCut: inputs.traffic.cutMidRequest,
    seconds: Math.round(inputs.seconds),
    lifecyclesAcrossGateways: outcomes.filter(acrossGateways).length,
    acrossGatewaysByPhase: byPhase(outcomes),
    requestsByGateway: { ...inputs.traffic.requests },
    gatewayRetries: { ...inputs.traffic.retries },
    duplicatesAbsorbed: tally(
      inputs.duplicates.filter((d) => !applied.includes(d)).map((d) => `${d.endpoint} ${d.outcome}`),
    ),
    faults: inputs.faults,
    unexpectedExits: unexpected.map(({ name, code, signal, at, lastOutput }) => ({
      name,
      code,
      signal,
      at,
      lastOutput,
    })),
    lifecycleSeconds: percentiles(outcomes.map((o) => o.seconds)),
    sizing: inputs.sizing,
    violations,
  };
}

/** The report's summary as a few aligned lines, for a terminal or a CI log. */
export function faultReportTable(report: ClusterFaultReport): string {
  const rows: Array<[string, string | number]> = [
    ['lifecycles (completed / failed)', `${report.lifecycles} (${report.completed} / ${report.failed})`],
    ['work items in Advance', report.workItems],
    ['completed versions / in progress', `${report.completedVersions} / ${report.sessionsInProgress}`],
    ['duplicate creates applied', report.duplicateCreatesApplied],
    ['interviews completed early', report.interviewsCompletedEarly],
    ['worker SIGKILLs', report.workerKills],
    ['history service SIGKILLs', report.historyKills],
    ['whole-server SIGKILLs', report.serverKills],
    ['PostgreSQL restarts', report.postgresRestarts],
    ['gateway SIGKILLs (requests cut)', `${report.gatewayKills} (${report.gatewayRequestsCut})`],
    ['lifecycles answered by both gateways', report.lifecyclesAcrossGateways],
    [
      'lifecycle seconds (median / p95 / max)',
      `${report.lifecycleSeconds.median} / ${report.lifecycleSeconds.p95} / ${report.lifecycleSeconds.max}`,
    ],
    ['history shards', report.sizing.historyShards],
    [
      'PostgreSQL connections (peak / max)',
      `${report.sizing.postgres.peakConnections} / ${report.sizing.postgres.maxConnections}`,
    ],
    [
      'worker slots per worker (peak used / available)',
      `workflow ${report.sizing.workerSlots.workflow.peakUsed}/${report.sizing.workerSlots.workflow.available}, ` +
        `activity ${report.sizing.workerSlots.activity.peakUsed}/${report.sizing.workerSlots.activity.available}`,
    ],
    ['seconds', report.seconds],
    ['violations', report.violations.length],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

function acrossGateways(outcome: GatewayLifecycleOutcome): boolean {
  return new Set(outcome.gatewaysUsed).size > 1;
}

function byPhase(outcomes: GatewayLifecycleOutcome[]): ClusterFaultReport['acrossGatewaysByPhase'] {
  const phases: ClusterFaultReport['acrossGatewaysByPhase'] = {};
  for (const outcome of outcomes) {
    const phase = (phases[outcome.plan.phase] ??= { lifecycles: 0, acrossGateways: 0 });
    phase.lifecycles += 1;
    if (acrossGateways(outcome)) phase.acrossGateways += 1;
  }
  return phases;
}

function percentiles(values: number[]): ClusterFaultReport['lifecycleSeconds'] {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number =>
    round1(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return { median: at(0.5), p95: at(0.95), max: round1(sorted[sorted.length - 1] ?? 0) };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function tally(keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}
