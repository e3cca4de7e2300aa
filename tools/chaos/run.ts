/**
 * `npm run chaos`: many lifecycles through SIGKILLed workers, a restarted dev server and a faulty
 * Advance, then one JSON report on stdout (progress on stderr). Exits 1 when an invariant broke
 * (the evidence directory is then kept and named in the report), 2 on bad options.
 */
import { CHAOS_USAGE, ChaosUsageError, parseChaosArgs } from './options';
import { runChaos } from './run-chaos';

async function main(): Promise<number> {
  let options;
  try {
    options = parseChaosArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof ChaosUsageError) && !(error instanceof TypeError)) throw error;
    process.stderr.write(`${error.message}\n\n${CHAOS_USAGE}`);
    return 2;
  }
  if (options === undefined) {
    process.stdout.write(CHAOS_USAGE);
    return 0;
  }
  const log = (line: string): void => {
    process.stderr.write(`[chaos] ${line}\n`);
  };
  const { report, workDir, kept } = await runChaos(options, log);
  if (kept) log(`kept ${workDir}`);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report.violations.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `chaos run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
