import { ChaosUsageError, parseChaosArgs } from '../../tools/chaos/options';
import type { RunQuarantine } from '../../tools/chaos/quarantine';
import { buildReport, type ReportInputs } from '../../tools/chaos/report';

/** `npm run chaos -- --api`: which protocol a run speaks, and what its report then demands. */

test('--api picks the protocol; v1.1 unless asked', () => {
  expect(parseChaosArgs([])?.api).toBe('v1.1');
  expect(parseChaosArgs(['--api', 'v2.0'])?.api).toBe('v2.0');
  expect(() => parseChaosArgs(['--api', 'v3'])).toThrow(ChaosUsageError);
  expect(() => parseChaosArgs(['--api', 'v3'])).toThrow(/--api must be one of v1\.1, v2\.0 \(got "v3"\)/);
});

/** A run of no lifecycles: only the protocol's checks can find anything. */
function inputs(overrides: Partial<ReportInputs>): ReportInputs {
  return {
    api: 'v1.1',
    seed: 1,
    runTag: 'unit',
    outcomes: [],
    state: { workItems: [] },
    duplicates: [],
    requestApis: [],
    quarantine: quarantine({}),
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

function quarantine(overrides: Partial<RunQuarantine>): RunQuarantine {
  return { waits: 0, retriedCompletions: 0, lifecycles: {}, historiesRead: 0, unread: [], ...overrides };
}

const ONE_WAIT = quarantine({ waits: 1, retriedCompletions: 1, lifecycles: { 'assembly-a': [119.9] } });

test('the report states the protocol and the quarantine waits; on v1.1 a wait is expected behaviour', () => {
  const report = buildReport(inputs({ quarantine: ONE_WAIT, requestApis: [undefined, 'v1.1', 'v1.1'] }));
  expect(report).toMatchObject({
    api: 'v1.1',
    quarantineWaits: 1,
    quarantine: { retriedCompletions: 1, lifecycles: { 'assembly-a': [119.9] } },
    advanceRequests: { auth: 1, 'v1.1': 2 },
    violations: [],
  });
});

test('on v2.0 a quarantine wait breaks the run, and its lifecycle becomes a suspect', () => {
  const report = buildReport(inputs({ api: 'v2.0', quarantine: ONE_WAIT }));
  expect(report.violations).toEqual([
    '1 quarantine wait(s) on v2.0, whose calls name their version: assembly-a',
  ]);
  expect(report.suspectLifecycles).toEqual(['assembly-a']);
});

test('a request in the other protocol, or a history that could not be read, breaks the run', () => {
  const report = buildReport(
    inputs({
      api: 'v2.0',
      requestApis: ['v2.0', 'v1.1'],
      quarantine: quarantine({ unread: ['assembly-b: not found'] }),
    }),
  );
  expect(report.violations).toEqual([
    '1 Advance request(s) spoke another protocol than v2.0',
    'history not read: assembly-b: not found',
  ]);
});
