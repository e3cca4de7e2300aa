import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The reporter is plain CommonJS because jest loads reporters without a transform.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ClosingLineReporter = require('../support/closing-line-reporter.js') as new (
  globalConfig: unknown,
  options: unknown,
) => { onRunComplete(contexts: unknown, results: Record<string, number>): void };

const results = (counts: Partial<Record<string, number>>): Record<string, number> => ({
  numPassedTests: 0,
  numFailedTests: 0,
  numPendingTests: 0,
  numTodoTests: 0,
  numRuntimeErrorTestSuites: 0,
  ...counts,
});

/** What the reporter writes to stdout for one finished run, and what it appends to the tally. */
async function report(counts: Partial<Record<string, number>>): Promise<{ line: string; tally: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tally-'));
  const tallyFile = join(dir, 'tally.jsonl');
  const written: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  const before = process.env.TEST_TALLY_FILE;
  process.env.TEST_TALLY_FILE = tallyFile;
  try {
    new ClosingLineReporter({}, {}).onRunComplete(new Set(), results(counts));
    return { line: written.join(''), tally: await readFile(tallyFile, 'utf8') };
  } finally {
    write.mockRestore();
    if (before === undefined) delete process.env.TEST_TALLY_FILE;
    else process.env.TEST_TALLY_FILE = before;
    await rm(dir, { recursive: true, force: true });
  }
}

test('a run closes with one plain line of its counts, and appends them to the tally', async () => {
  expect.assertions(2);
  const { line, tally } = await report({
    numPassedTests: 330,
    numFailedTests: 1,
    numPendingTests: 3,
    numTodoTests: 1,
  });
  expect(line).toBe('jest: 330 passed, 1 failed, 4 skipped\n');
  expect(JSON.parse(tally)).toEqual({ passed: 330, failed: 1, skipped: 4 });
});

test('a suite that could not run counts as failed, so the line never reads clean', async () => {
  expect.assertions(1);
  const { line } = await report({ numPassedTests: 12, numRuntimeErrorTestSuites: 1 });
  expect(line).toBe('jest: 12 passed, 1 failed, 0 skipped\n');
});
