import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { emulatorHarness } from '../support/emulator-harness';
import { expectNamedAndReproduced, matrixCases } from '../support/probe-harness';

/**
 * The probe against the emulator under every value of every switch it claims to detect from an
 * answer's shape or status, on each protocol (the timed switches: probe-timing-matrix).
 */

const harness = emulatorHarness();
const TIMED = ['completingMs', 'postProcessingMs', 'syncThresholdMs'];
const cases = matrixCases((check) => check.mirrors !== undefined && !TIMED.includes(check.mirrors.switch));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'probe-matrix-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('the matrix covers the checks of both protocols', () => {
  expect(cases.length).toBeGreaterThan(60);
  expect(new Set(cases.map(([, c]) => c.apiVersion))).toEqual(new Set(['v1.1', 'v2.0']));
});

test.each(cases)('%s', (_name, matrixCase) =>
  expectNamedAndReproduced((o) => harness.start(o), dir, matrixCase),
);
