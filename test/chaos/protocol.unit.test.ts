import { ChaosUsageError, parseChaosArgs } from '../../tools/chaos/options';
import { buildReport } from '../../tools/chaos/report';
import { quarantineFound, reportInputs } from '../support/chaos-report-inputs';

/** `npm run chaos -- --api`: which protocol a run speaks, and what its report then demands. */

test('--api picks the protocol; v1.1 unless asked', () => {
  expect(parseChaosArgs([])?.api).toBe('v1.1');
  expect(parseChaosArgs(['--api', 'v2.0'])?.api).toBe('v2.0');
  expect(() => parseChaosArgs(['--api', 'v3'])).toThrow(ChaosUsageError);
  expect(() => parseChaosArgs(['--api', 'v3'])).toThrow(/--api must be one of v1\.1, v2\.0 \(got "v3"\)/);
});

// A run of no lifecycles (reportInputs): only the protocol's checks can find anything.
const ONE_WAIT = quarantineFound({ waits: 1, retriedCompletions: 1, lifecycles: { 'assembly-a': [119.9] } });

test('the report states the protocol and the quarantine waits; on v1.1 a wait is expected behaviour', () => {
  const report = buildReport(
    reportInputs({ quarantine: ONE_WAIT, requestApis: [undefined, 'v1.1', 'v1.1'] }),
  );
  expect(report).toMatchObject({
    api: 'v1.1',
    quarantineWaits: 1,
    quarantine: { retriedCompletions: 1, lifecycles: { 'assembly-a': [119.9] } },
    advanceRequests: { auth: 1, 'v1.1': 2 },
    violations: [],
  });
});

test('on v2.0 a quarantine wait breaks the run, and its lifecycle becomes a suspect', () => {
  const report = buildReport(reportInputs({ api: 'v2.0', quarantine: ONE_WAIT }));
  expect(report.violations).toEqual([
    '1 quarantine wait(s) on v2.0, whose calls name their version: assembly-a',
  ]);
  expect(report.suspectLifecycles).toEqual(['assembly-a']);
});

test('a request in the other protocol, or a history that could not be read, breaks the run', () => {
  const report = buildReport(
    reportInputs({
      api: 'v2.0',
      requestApis: ['v2.0', 'v1.1'],
      quarantine: quarantineFound({ unread: ['assembly-b: not found'] }),
    }),
  );
  expect(report.violations).toEqual([
    '1 Advance request(s) spoke another protocol than v2.0',
    'history not read: assembly-b: not found',
  ]);
});
