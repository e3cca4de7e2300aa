import type { RunQuarantine } from '../../tools/chaos/quarantine';
import type { ReportInputs } from '../../tools/chaos/report';

/** What the chaos report reads, for a run of no lifecycles unless `overrides` says otherwise. */
export function reportInputs(overrides: Partial<ReportInputs> = {}): ReportInputs {
  return {
    api: 'v1.1',
    seed: 1,
    runTag: 'unit',
    outcomes: [],
    state: { workItems: [] },
    duplicates: [],
    requestApis: [],
    quarantine: quarantineFound({}),
    faultKinds: [],
    workerKills: 0,
    workerKillsPlanned: 0,
    workerExitsOnTheirOwn: 0,
    workerExitReasons: [],
    serverRestarts: 0,
    serverRestartsPlanned: 0,
    driverRetries: new Map(),
    seconds: 1,
    ...overrides,
  };
}

/** What the histories showed of the quarantine: nothing, unless `overrides` says otherwise. */
export function quarantineFound(overrides: Partial<RunQuarantine>): RunQuarantine {
  return { waits: 0, retriedCompletions: 0, lifecycles: {}, historiesRead: 0, unread: [], ...overrides };
}
