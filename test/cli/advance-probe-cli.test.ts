import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ProbeReport } from '../../src/probe';
import { advanceEnvForEmulator } from '../../tools/dev/emulator-env';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../tools/emulator';
import { comparable, PROBE_TEMPLATE_PACKAGE_ID, PROBE_WORK_GROUP_ID } from '../support/probe-harness';

/**
 * `hotdocs-temporal advance-probe`, run as an operator runs it: the bin script in a child process,
 * configured through the worker's ADVANCE_* variables or its tenancies file, against the emulator.
 */

const BIN = path.join(__dirname, '..', '..', 'bin', 'hotdocs-temporal.js');
const PASSWORD = 'cli-probe-Recognisable-9f1e';
const WHERE = ['--work-group-id', PROBE_WORK_GROUP_ID, '--template-package-id', PROBE_TEMPLATE_PACKAGE_ID];

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function probe(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'advance-probe', ...args],
      { env: { PATH: process.env['PATH'], ...env }, cwd: scratch },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let scratch: string;
const running: RunningEmulator[] = [];

async function emulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const started = await startEmulator({ principalPassword: PASSWORD, ...options });
  running.push(started);
  return started;
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'advance-probe-cli-'));
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((started) => started.close()));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

test('writes the configuration of a tenancy that differs from the defaults; loaded back, it answers alike', async () => {
  const tenancy = await emulator({ behaviour: { createSuccessStatus: 204, statusShape: 'pascal-object' } });
  const config = path.join(scratch, 'tenancy.json');
  const first = await probe(
    [...WHERE, '--json', '--emulator-config', config],
    advanceEnvForEmulator(tenancy, 'v2.0'),
  );
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  const report = JSON.parse(first.stdout) as ProbeReport;
  expect(report.behaviour).toMatchObject({ createSuccessStatus: 204, statusShape: 'pascal-object' });

  const written = JSON.parse(await readFile(config, 'utf8')) as { about: string; behaviour: unknown };
  expect(written.behaviour).toEqual(report.behaviour);
  expect(written.about).toContain('(API v2.0)');

  const loaded = await emulator({ behaviourFile: config });
  const second = await probe([...WHERE, '--json'], advanceEnvForEmulator(loaded, 'v2.0'));
  expect(second.code).toBe(0);
  expect(comparable(JSON.parse(second.stdout) as ProbeReport)).toEqual(comparable(report));
  for (const output of [first.stdout, second.stdout, JSON.stringify(written)])
    expect(output).not.toContain(PASSWORD);
});

test('the text report names the work item left behind and ends with the verdict (exit 0)', async () => {
  const tenancy = await emulator();
  const run = await probe(WHERE, advanceEnvForEmulator(tenancy, 'v1.1'));
  expect(run.code).toBe(0);
  const [item] = tenancy.state.workItems;
  expect(run.stdout).toContain(`Created work item ${item?.id} "${item?.name}"`);
  expect(run.stdout).toContain('[createSuccessStatus: 200]');
  expect(run.stdout).toMatch(/Every observed behaviour is one the client handles\.\n$/);
  expect(run.stdout + run.stderr).not.toContain(PASSWORD);
});

test('exit 1, listing what the client does not handle', async () => {
  const tenancy = await emulator({ behaviour: { createAndAssemble: 'method-not-allowed' } });
  const env = { ...advanceEnvForEmulator(tenancy, 'v2.0'), ADVANCE_CREATE_AND_ASSEMBLE: 'on' };
  const run = await probe([...WHERE, '--complete', '--wait', '30s'], env);
  expect(run.code).toBe(1);
  expect(run.stdout).toContain(
    '1 observed behaviour(s) the client does not handle:\n  - create-and-assemble: HTTP 405',
  );
});

test('a tenancy of the tenancies file, by name; --dry-run creates nothing', async () => {
  const tenancy = await emulator();
  const { ADVANCE_BASE_URL: _base, ADVANCE_AUTH_URL: _auth, ...credentials } = advanceEnvForEmulator(tenancy);
  const entry = (api: 'v1.1' | 'v2.0') => ({
    baseUrl: tenancy.apis[api].onPremise.baseUrl,
    authUrl: tenancy.apis[api].onPremise.authUrl,
    apiVersion: api,
    clientName: credentials.ADVANCE_CLIENT_NAME,
    principalName: credentials.ADVANCE_PRINCIPAL_NAME,
    principalPassword: PASSWORD,
  });
  const file = path.join(scratch, 'tenancies.json');
  await writeFile(
    file,
    JSON.stringify({ defaultTenancy: 'older', tenancies: { older: entry('v1.1'), newer: entry('v2.0') } }),
  );
  const run = await probe(['--tenancy', 'newer', '--dry-run'], { ADVANCE_TENANCIES_FILE: file });
  expect(run.code).toBe(0);
  expect(run.stdout).toContain(
    `probe of tenancy "newer": API v2.0 at ${tenancy.apis['v2.0'].onPremise.baseUrl}, dry-run mode`,
  );
  expect(tenancy.state.workItems).toEqual([]);

  const unknown = await probe(['--tenancy', 'elsewhere', '--dry-run'], { ADVANCE_TENANCIES_FILE: file });
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('--tenancy elsewhere is not configured (configured: older, newer)');
});

test('exit 2 for what it cannot run with, every problem listed, nothing sent', async () => {
  const tenancy = await emulator();
  const run = await probe(['--complete', '--dry-run', '--work-group-id', 'not-a-guid', '--wait', 'soon'], {
    ...advanceEnvForEmulator(tenancy, 'v2.0'),
  });
  expect(run.code).toBe(2);
  const { error } = JSON.parse(run.stderr) as { error: { code: string; problems: string[] } };
  expect(error.code).toBe('invalid-input');
  expect(error.problems).toEqual([
    '--work-group-id must be a GUID',
    '--wait must be a duration such as 90s or 5m',
    'give --complete or --dry-run, not both',
  ]);
  expect(tenancy.requests()).toEqual([]);

  const unconfigured = await probe(WHERE, {});
  expect(unconfigured.code).toBe(2);
  expect(unconfigured.stderr).toContain('ADVANCE_CLIENT_NAME');
});
