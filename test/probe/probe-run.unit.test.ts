import { renderReport, runProbe, type ProbeReport } from '../../src/probe';
import { emulatorHarness } from '../support/emulator-harness';
import {
  emulatorTenancy,
  probeEmulator,
  PROBE_TEMPLATE_PACKAGE_ID,
  PROBE_WORK_GROUP_ID,
} from '../support/probe-harness';

/** The probe's modes, and what it reports when the tenancy does what the client does not handle. */

const harness = emulatorHarness();

const outcomes = (report: ProbeReport): Record<string, string> =>
  Object.fromEntries(report.checks.map((check) => [check.id, check.outcome]));

describe('modes', () => {
  it('--dry-run only logs in and reads: nothing is created', async () => {
    const { emulator } = await harness.start();
    const report = await probeEmulator(emulator, 'v2.0', 'dry-run');
    expect(outcomes(report)).toEqual({
      login: 'handled',
      'read-unknown-work-item': 'handled',
      throttling: 'handled',
    });
    expect(emulator.state.workItems).toEqual([]);
    expect(emulator.requests().map((entry) => `${entry.method} ${entry.status}`)).toEqual([
      'POST 200',
      'GET 404',
    ]);
    expect(report.workItem).toBeUndefined();
    expect(report.notRun.map((entry) => entry.needs)).toContain('safe');
    expect(report.unmirrored.find((entry) => entry.switch === 'createSuccessStatus')?.reason).toBe(
      'needs a run without --dry-run',
    );
    expect(renderReport(report)).toContain('Not run with --dry-run: create-work-item, repeat-create');
  });

  it('the default (safe) leaves one work item, its session saved, and assembles nothing', async () => {
    const { emulator } = await harness.start();
    const report = await probeEmulator(emulator, 'v1.1', 'safe');
    expect(report.handled).toBe(true);
    const [item, ...others] = emulator.state.workItems;
    expect(others).toEqual([]);
    expect(item?.name).toBe(report.workItem?.name);
    expect(item?.name).toMatch(/^hotdocs-temporal advance-probe \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(item?.versions.map((version) => version.status)).toEqual(['Saved']);
    expect(item?.versions.every((version) => !version.assembled)).toBe(true);
    const reasons = Object.fromEntries(report.unmirrored.map((entry) => [entry.switch, entry.reason]));
    expect(reasons).toMatchObject({
      completingMs: 'not on this protocol (v2.0 only)',
      // `complete` runs on v1.1 too, but names this switch on v2.0 only.
      completeResponseBody: 'not on this protocol (v2.0 only)',
    });
    const text = renderReport(report);
    expect(text).toContain(`Created work item ${item?.id} "${item?.name}"`);
    expect(text).toContain('remove it in Advance');
    expect(text).toContain('Not run without --complete: begin-for-completion, complete');
    expect(text).toContain('Every observed behaviour is one the client handles.');
  });

  it('--complete assembles one session, and on v2.0 one CreateAndAssemble', async () => {
    const { emulator } = await harness.start();
    await probeEmulator(emulator, 'v2.0', 'complete');
    const versions = emulator.state.workItems[0]?.versions ?? [];
    expect(versions.map((version) => [version.status, version.assembled])).toEqual([
      ['Saved', false],
      ['Completed', true],
      ['Completed', true],
    ]);
  });

  it('--complete on v2.0 finishes the Core interview before Complete, as a lifecycle does', async () => {
    const { emulator } = await harness.start({ behaviour: { completeUnfinishedInterview: 'refuse' } });
    const report = await probeEmulator(emulator, 'v2.0', 'complete');
    expect(outcomes(report)).toMatchObject({ 'begin-for-completion': 'handled', complete: 'handled' });
    const completed = emulator.state.workItems[0]?.versions[1];
    expect(completed).toMatchObject({ status: 'Completed', interviewFinished: true });
  });
});

describe('what the client does not handle', () => {
  it('names it, says why, and fails the run', async () => {
    const { emulator } = await harness.start({ behaviour: { createAndAssemble: 'not-found' } });
    const report = await runProbe({
      options: emulatorTenancy(emulator, 'v2.0', { createAndAssemble: 'on' }),
      mode: 'complete',
      workGroupId: PROBE_WORK_GROUP_ID,
      templatePackageId: PROBE_TEMPLATE_PACKAGE_ID,
    });
    expect(report.handled).toBe(false);
    const problem = report.checks.find((check) => check.outcome === 'not-handled');
    expect(problem).toMatchObject({ id: 'create-and-assemble', value: 'not-found' });
    expect(problem?.note).toContain('set createAndAssemble (ADVANCE_CREATE_AND_ASSEMBLE) to auto or off');
    expect(renderReport(report)).toMatch(
      /1 observed behaviour\(s\) the client does not handle:\n {2}- create-and-assemble: HTTP 404/,
    );
  });

  it('a refused login stops the probe there', async () => {
    const { emulator } = await harness.start();
    emulator.setPrincipalPassword('rotated-elsewhere');
    const report = await probeEmulator(emulator, 'v1.1', 'safe');
    expect(report.checks[0]).toMatchObject({ id: 'login', outcome: 'not-handled' });
    expect(report.checks[0]?.observed).toContain('login was refused (HTTP 401)');
    expect(new Set(report.checks.slice(1, -1).map((check) => check.observed))).toEqual(
      new Set(['skipped: the login failed']),
    );
    expect(report.behaviour).toEqual({});
  });

  it('an API client without the Command scope cannot create the work item', async () => {
    const { emulator } = await harness.start({ scope: 'Query' });
    const report = await probeEmulator(emulator, 'v2.0', 'safe');
    expect(outcomes(report)).toMatchObject({
      'read-unknown-work-item': 'handled',
      'create-work-item': 'not-handled',
      'repeat-create': 'skipped',
      'begin-session': 'skipped',
    });
    expect(report.checks.find((check) => check.id === 'create-work-item')?.observed).toContain('HTTP 403');
    expect(report.unmirrored.find((entry) => entry.switch === 'duplicateCreate')?.reason).toBe(
      "not observed (skipped: the probe's work item was not created)",
    );
  });

  it('a failed call is reported as it came, and what needed it is skipped', async () => {
    const { emulator } = await harness.start();
    emulator.setFaults({ script: [{ endpoint: 'beginSession', fault: 'error', status: 503 }] });
    const report = await probeEmulator(emulator, 'v1.1', 'safe');
    expect(outcomes(report)).toMatchObject({ 'begin-session': 'not-handled', 'repeat-begin': 'skipped' });
    expect(report.checks.find((check) => check.id === 'begin-session')?.observed).toContain('HTTP 503');
    expect(emulator.injectedFaults()).toHaveLength(1);
  });
});
