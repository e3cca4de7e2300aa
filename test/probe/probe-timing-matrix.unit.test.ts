import { matrixTests, TIMED_SWITCHES } from '../support/probe-harness';

/**
 * The timed v2.0 switches (a completion's phases, the wait of Complete without a callback): the
 * probe measures them to the second, so each case takes a second or two of real completion.
 */

const cases = matrixTests(
  (check) => check.mirrors !== undefined && TIMED_SWITCHES.includes(check.mirrors.switch),
);

test('each timed switch is in the matrix', () => {
  expect(new Set(cases.map(([, c]) => c.check.mirrors?.switch))).toEqual(new Set(TIMED_SWITCHES));
});
