/**
 * `npm run mutations [-- <name>...]`: breaks each guarantee of tools/mutations/mutations.ts in a
 * scratch copy of the working tree and runs the test named for it, which must turn red. First the
 * same tests run on an unchanged copy, which must be green, so a red one is the mutation's doing.
 * Prints one table; exits 1 when a mutation survived (its test stayed green) or could not be run.
 *
 * Slow (a jest run per mutation, integration tests on one shared Temporal dev server): not part of
 * `npm test`. Run it after changing a guarantee or the test that holds it.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { ensureTemporalTools, startDevServer } from '../temporal';
import { MUTATIONS, type JestProject, type Mutation } from './mutations';
import { applyEdits, scratchCopy } from './scratch-copy';

const ROOT = path.resolve(__dirname, '..', '..');

interface JestOutcome {
  /** Every selected test passed (and at least one ran). */
  green: boolean;
  passed: number;
  failed: number;
  /** A suite that could not run at all (a syntax error, a failing hook). */
  suiteErrors: number;
  /** The first failing test, and where its failing assertion is. */
  firstFailure?: { test: string; at: string; message: string };
}

interface JestJson {
  numPassedTests: number;
  numFailedTests: number;
  numRuntimeErrorTestSuites: number;
  testResults: Array<{
    name: string;
    message: string;
    assertionResults: Array<{ fullName: string; status: string; failureMessages: string[] }>;
  }>;
}

async function runJest(
  dir: string,
  selection: { files: string[]; project: JestProject; names: string[] },
  env: NodeJS.ProcessEnv,
): Promise<JestOutcome> {
  const output = path.join(dir, `.mutation-jest-${selection.project}.json`);
  const args = [
    'jest',
    ...selection.files,
    '--selectProjects',
    selection.project,
    '--json',
    `--outputFile=${output}`,
    ...(selection.names.length > 0 ? ['-t', selection.names.map(escapeRegExp).join('|')] : []),
  ];
  await new Promise<void>((resolve) => {
    const child = spawn('npx', args, { cwd: dir, env, stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('close', () => resolve());
  });
  let json: JestJson;
  try {
    json = JSON.parse(await readFile(output, 'utf8')) as JestJson;
  } catch {
    return { green: false, passed: 0, failed: 0, suiteErrors: 1 };
  }
  const failing = json.testResults
    .flatMap((suite) => suite.assertionResults.map((a) => ({ ...a, suite: suite.name })))
    .find((a) => a.status === 'failed');
  const suiteError = json.testResults.find((suite) => suite.assertionResults.length === 0 && suite.message);
  return {
    green: json.numFailedTests === 0 && json.numRuntimeErrorTestSuites === 0 && json.numPassedTests > 0,
    passed: json.numPassedTests,
    failed: json.numFailedTests,
    suiteErrors: json.numRuntimeErrorTestSuites,
    ...(failing !== undefined && {
      firstFailure: {
        test: failing.fullName,
        ...where(failing.failureMessages.join('\n'), dir, selection.files[0] ?? ''),
      },
    }),
    ...(failing === undefined &&
      suiteError !== undefined && {
        firstFailure: { test: '(suite)', ...where(suiteError.message, dir, selection.files[0] ?? '') },
      }),
  };
}

/** The failure's first line, and where it is: in the named test file if any frame is, else in test/. */
function where(failure: string, dir: string, file: string): { at: string; message: string } {
  const plain = stripVTControlCharacters(failure);
  const message =
    plain
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? '';
  const frame =
    new RegExp(`${escapeRegExp(dir)}/(${escapeRegExp(file)}:\\d+)`).exec(plain) ??
    new RegExp(`${escapeRegExp(dir)}/(test/[^:)]+:\\d+)`).exec(plain);
  return { at: frame?.[1] ?? '?', message };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The tests of the chosen mutations, one jest run per project. */
function baselineSelections(mutations: Mutation[]) {
  const byProject = new Map<JestProject, { files: Set<string>; names: Set<string>; whole: boolean }>();
  for (const { test } of mutations) {
    const entry = byProject.get(test.project) ?? { files: new Set(), names: new Set(), whole: false };
    entry.files.add(test.file);
    if (test.name === undefined) entry.whole = true;
    else entry.names.add(test.name);
    byProject.set(test.project, entry);
  }
  return [...byProject].map(([project, { files, names, whole }]) => ({
    project,
    files: [...files],
    // A mutation that names no test runs its whole file: so does the baseline.
    names: whole ? [] : [...names],
  }));
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(rows[0]!),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

async function main(): Promise<number> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !MUTATIONS.some((m) => m.name === name));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown mutation(s): ${unknown.join(', ')}\nknown: ${MUTATIONS.map((m) => m.name).join(', ')}\n`,
    );
    return 2;
  }
  const chosen = wanted.length === 0 ? MUTATIONS : MUTATIONS.filter((m) => wanted.includes(m.name));
  const log = (line: string) => process.stderr.write(`[mutations] ${line}\n`);

  ensureTemporalTools({ cli: true, testServer: true });
  const server = await startDevServer();
  const env = {
    ...process.env,
    TEMPORAL_TEST_ADDRESS: server.address,
    TEMPORAL_TEST_NAMESPACE: server.namespace,
  };
  try {
    const baseline = await scratchCopy(ROOT);
    try {
      for (const selection of baselineSelections(chosen)) {
        log(`baseline: ${selection.files.join(', ')} (${selection.project})`);
        const outcome = await runJest(baseline.dir, selection, env);
        if (!outcome.green) {
          log(
            `the unchanged tests are not green (${outcome.failed} failed, ${outcome.suiteErrors} suite errors): ` +
              `${outcome.firstFailure?.test ?? ''} ${outcome.firstFailure?.message ?? ''}`,
          );
          return 1;
        }
        log(`baseline green: ${outcome.passed} passed`);
      }
    } finally {
      await baseline.remove();
    }

    const rows = [['mutation (guarantee broken)', 'test', 'result', 'failing assertion']];
    let uncaught = 0;
    for (const mutation of chosen) {
      log(`${mutation.name}: ${mutation.breaks}`);
      const copy = await scratchCopy(ROOT);
      let result: string;
      let detail = '';
      try {
        await applyEdits(copy.dir, mutation.edits);
        const { file, project, name } = mutation.test;
        const outcome = await runJest(copy.dir, { files: [file], project, names: name ? [name] : [] }, env);
        detail = `${outcome.firstFailure?.at ?? '?'}: ${outcome.firstFailure?.message ?? ''}`;
        if (outcome.failed > 0 && outcome.firstFailure?.at.startsWith(`${file}:`) === true) {
          result = `red (${outcome.failed} failed)`;
        } else if (outcome.failed > 0) {
          // Red, but not at an assertion of the named test (a hook, a helper, set-up): no proof.
          uncaught += 1;
          result = 'RED ELSEWHERE';
        } else if (outcome.suiteErrors > 0) {
          uncaught += 1;
          result = 'ERROR (suite did not run)';
        } else {
          uncaught += 1;
          result = 'SURVIVED (green)';
          detail = '';
        }
      } catch (error) {
        uncaught += 1;
        result = 'ERROR';
        detail = (error as Error).message;
      } finally {
        await copy.remove();
      }
      const testName = `${mutation.test.file}${mutation.test.name ? ` -t "${mutation.test.name}"` : ''} [${mutation.test.project}]`;
      rows.push([mutation.name, testName, result, detail.slice(0, 160)]);
      log(`${mutation.name}: ${result} ${detail}`);
    }
    process.stdout.write(`${table(rows)}\n`);
    process.stdout.write(`${chosen.length - uncaught} of ${chosen.length} mutations caught\n`);
    return uncaught === 0 ? 0 : 1;
  } finally {
    await server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `mutations failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(2);
  },
);
