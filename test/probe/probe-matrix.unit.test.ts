import { matrixTests, TIMED_SWITCHES } from '../support/probe-harness';

/**
 * The probe against the emulator under every value of every switch it claims to detect from an
 * answer's code, shape or spelling, on each protocol (the timed switches: probe-timing-matrix).
 */

const cases = matrixTests(
  (check) => check.mirrors !== undefined && !TIMED_SWITCHES.includes(check.mirrors.switch),
);

test('the matrix covers the checks of both protocols', () => {
  expect(cases.length).toBeGreaterThan(60);
  expect(new Set(cases.map(([, c]) => c.apiVersion))).toEqual(new Set(['v1.1', 'v2.0']));
});
