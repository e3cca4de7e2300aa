import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveAdvanceClientOptions, type AdvanceApiVersion } from '../../src/advance';
import {
  emulatorBehaviourFile,
  PROBE_CHECKS,
  renderReport,
  runProbe,
  type ProbeCheck,
  type ProbeMode,
  type ProbeReport,
  type ProbeSettings,
} from '../../src/probe';
import type { SwitchValue } from '../../src/probe/switches';
import type { EmulatorBehaviourPatch, EmulatorOptions, RunningEmulator } from '../../tools/emulator';
import { emulatorHarness } from './emulator-harness';

/** The probe against an emulator in this process, configured as an operator would point it there. */

export const PROBE_WORK_GROUP_ID = '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11';
export const PROBE_TEMPLATE_PACKAGE_ID = '0f2a7d6c-58e4-4a9b-8f3e-2b9d6c1e7a22';

export function emulatorTenancy(
  emulator: RunningEmulator,
  apiVersion: AdvanceApiVersion,
  extra: { createAndAssemble?: 'auto' | 'on' | 'off' } = {},
): ProbeSettings['options'] {
  const { baseUrl, authUrl } = emulator.apis[apiVersion].onPremise;
  return resolveAdvanceClientOptions({
    baseUrl,
    authUrl,
    apiVersion,
    ...emulator.credentials,
    ...extra,
  });
}

export function probeEmulator(
  emulator: RunningEmulator,
  apiVersion: AdvanceApiVersion,
  mode: ProbeMode,
  settings: Omit<ProbeSettings, 'options' | 'mode'> = {},
): Promise<ProbeReport> {
  return runProbe({
    options: emulatorTenancy(emulator, apiVersion),
    mode,
    workGroupId: PROBE_WORK_GROUP_ID,
    templatePackageId: PROBE_TEMPLATE_PACKAGE_ID,
    ...settings,
  });
}

/** What two probes of tenancies that behave alike share: everything but where and when. */
export function comparable(
  report: ProbeReport,
): Omit<ProbeReport, 'tenancy' | 'apiBase' | 'startedAt' | 'workItem'> {
  const {
    tenancy: _tenancy,
    apiBase: _apiBase,
    startedAt: _startedAt,
    workItem: _workItem,
    ...rest
  } = report;
  return rest;
}

export interface MatrixCase {
  check: ProbeCheck;
  apiVersion: AdvanceApiVersion;
  value: SwitchValue;
}

/** Every value of every switch the checks claim to name, on each protocol a check names it on. */
export function matrixCases(include: (check: ProbeCheck) => boolean): Array<[string, MatrixCase]> {
  return PROBE_CHECKS.filter(include).flatMap((check) => {
    const mirror = check.mirrors;
    if (mirror === undefined) return [];
    return (mirror.protocols ?? check.protocols).flatMap((apiVersion) =>
      mirror.values.map((value): [string, MatrixCase] => [
        `${apiVersion} ${mirror.switch} ${String(value)} (${check.id}, ${check.mode})`,
        { check, apiVersion, value },
      ]),
    );
  });
}

/**
 * One case of the matrix: under the switch's value (and what it shows with), the probe names that
 * value, names every other switch it observed as the emulator has it, and the configuration it
 * wrote, loaded back into a new emulator, gives the same report again.
 */
export async function expectNamedAndReproduced(
  start: (options: EmulatorOptions) => Promise<{ emulator: RunningEmulator }>,
  dir: string,
  { check, apiVersion, value }: MatrixCase,
): Promise<void> {
  const mirror = check.mirrors!;
  const behaviour = { ...mirror.showsWith, [mirror.switch]: value } as EmulatorBehaviourPatch;
  const { emulator } = await start({ behaviour });
  const report = await probeEmulator(emulator, apiVersion, check.mode);

  const result = report.checks.find((candidate) => candidate.id === check.id);
  expect(result).toMatchObject({ outcome: 'handled', switch: mirror.switch, value });
  expect(renderReport(report)).toContain(`[${mirror.switch}: ${String(value)}]`);
  expect(report.handled).toBe(true);
  const actual = emulator.behaviour() as Record<string, unknown>;
  const named = Object.keys(report.behaviour);
  expect(named).toContain(mirror.switch);
  expect(report.behaviour).toEqual(Object.fromEntries(named.map((name) => [name, actual[name]])));

  const file = path.join(dir, `${check.id}-${apiVersion}-${String(value)}.json`);
  await writeFile(file, JSON.stringify(emulatorBehaviourFile(report)));
  const loaded = await start({ behaviourFile: file });
  const again = await probeEmulator(loaded.emulator, apiVersion, check.mode);
  expect(comparable(again)).toEqual(comparable(report));
}

/** One test per case of the matrix for the checks `include` picks (emulators and files cleaned up). */
export function matrixTests(include: (check: ProbeCheck) => boolean): Array<[string, MatrixCase]> {
  const harness = emulatorHarness();
  const cases = matrixCases(include);
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'probe-matrix-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  test.each(cases)('%s', (_name, matrixCase) =>
    expectNamedAndReproduced((options) => harness.start(options), dir, matrixCase),
  );
  return cases;
}

/** The v2.0 switches the probe measures (to the second) rather than reads off an answer. */
export const TIMED_SWITCHES: readonly string[] = ['completingMs', 'postProcessingMs', 'syncThresholdMs'];
