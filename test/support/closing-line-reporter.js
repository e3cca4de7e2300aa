/* global module, process, require */
/**
 * Ends every jest run with one plain line, `jest: N passed, N failed, N skipped`, on stdout.
 *
 * Why: jest's own summary (`Tests: 4 passed, 4 total`) is a format few tools read, and a run's
 * output also holds other tools' banners (schemathesis prints pytest-style ones), so a reader of
 * the log can take the wrong line for the run's result. This line is the run's own count.
 *
 * With `TEST_TALLY_FILE` set, the same counts are appended there as one JSON line, so a script
 * that makes several jest runs (.ci/run) can close with their sum.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest loads reporters untransformed
const { appendFileSync } = require('node:fs');

class ClosingLineReporter {
  /**
   * @param {unknown} _contexts
   * @param {{ numPassedTests: number, numFailedTests: number, numPendingTests: number, numTodoTests: number, numRuntimeErrorTestSuites: number }} results
   */
  onRunComplete(_contexts, results) {
    const passed = results.numPassedTests;
    // A suite that could not run (a syntax error, a failing beforeAll) has no failed test of its
    // own; it still counts as a failure here, so the line never reads clean when the run was not.
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`jest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
    const tally = process.env.TEST_TALLY_FILE;
    if (tally) appendFileSync(tally, `${JSON.stringify({ passed, failed, skipped })}\n`);
  }
}

module.exports = ClosingLineReporter;
