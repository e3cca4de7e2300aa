import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { emulatorHarness } from '../support/emulator-harness';
import { expectNamedAndReproduced, matrixCases } from '../support/probe-harness';

/**
 * The timed v2.0 switches (a completion's phases, the wait of Complete without a callback): the
 * probe measures them to the second, so each case takes a second or two of real completion.
 */

const harness = emulatorHarness();
const TIMED = ['completingMs', 'postProcessingMs', 'syncThresholdMs'];
const cases = matrixCases((check) => check.mirrors !== undefined && TIMED.includes(check.mirrors.switch));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'probe-timing-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('each timed switch is in the matrix', () => {
  expect(new Set(cases.map(([, c]) => c.check.mirrors?.switch))).toEqual(new Set(TIMED));
});

test.each(cases)('%s', (_name, matrixCase) =>
  expectNamedAndReproduced((o) => harness.start(o), dir, matrixCase),
);
