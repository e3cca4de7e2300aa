import { spawnSync } from 'node:child_process';
import { ensureTemporalTools } from './install-temporal-tools';
import { resolveTemporalCli } from './temporal-binaries';

/**
 * `npm run temporal -- <args>`: the same `temporal` CLI that `npm run dev` and the tests use
 * (TEMPORAL_CLI_PATH, then PATH, then `.tools/`, installed there when missing), so the README's
 * `temporal workflow ...` examples work on a fresh checkout without a global install.
 */
ensureTemporalTools({ cli: true, testServer: false });
const cli = resolveTemporalCli();
if (cli.path === undefined) {
  console.error('no temporal CLI found or installed (see tools/install-temporal-tools.sh)');
  process.exit(1);
}
const run = spawnSync(cli.path, process.argv.slice(2), { stdio: 'inherit' });
if (run.error !== undefined) {
  console.error(`could not run ${cli.path}: ${run.error.message}`);
  process.exit(1);
}
process.exit(run.status ?? 1);
