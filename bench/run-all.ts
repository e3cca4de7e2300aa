/**
 * Runs every benchmark in turn and writes their figures to `bench/results/latest.json`
 * (`{ <step key>: <result>, machine }`), printing each step's table as it finishes.
 * `npm run bench`. To add a benchmark, append a step to `STEPS`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatAdvanceClientTable, runAdvanceClientBenchmark } from './advance-client';
import { machineInfo } from './lib/machine';

interface BenchmarkStep<Result> {
  /** The key of this step's result in latest.json. */
  key: string;
  title: string;
  run: () => Promise<Result>;
  table: (result: Result) => string;
}

interface RunnableStep {
  key: string;
  title: string;
  execute: () => Promise<{ result: unknown; table: string }>;
}

/** Erases a step's result type, so steps with different results fit in one list. */
function step<Result>(definition: BenchmarkStep<Result>): RunnableStep {
  return {
    key: definition.key,
    title: definition.title,
    execute: async () => {
      const result = await definition.run();
      return { result, table: definition.table(result) };
    },
  };
}

const STEPS: RunnableStep[] = [
  step({
    key: 'client',
    title: 'Advance client vs naive baseline',
    run: () => runAdvanceClientBenchmark(),
    table: formatAdvanceClientTable,
  }),
];

const RESULTS_FILE = path.join(__dirname, 'results', 'latest.json');

async function main(): Promise<void> {
  const results: Record<string, unknown> = {};
  for (const { key, title, execute } of STEPS) {
    console.log(`\n== ${title} ==`);
    const { result, table } = await execute();
    results[key] = result;
    console.log(table);
  }
  results['machine'] = machineInfo();
  await mkdir(path.dirname(RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(process.cwd(), RESULTS_FILE)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
