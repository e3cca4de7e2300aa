import { spawnSync } from 'node:child_process';
import { INSTALL_TEMPORAL_TOOLS_SCRIPT } from './project-paths';
import { resolveTemporalCli, resolveTemporalTestServer } from './temporal-binaries';

/**
 * Runs tools/install-temporal-tools.sh when a needed Temporal binary is not available locally
 * (no env var, not on PATH, not in .tools/). Lets `npm test` and `npx jest` work right after
 * `npm install`, while leaving alone a developer who brings their own binaries.
 */
export function ensureTemporalTools(needed: { cli: boolean; testServer: boolean }): void {
  const missing =
    (needed.cli && resolveTemporalCli().source === 'download') ||
    (needed.testServer && resolveTemporalTestServer().source === 'download');
  if (!missing) return;

  const result = spawnSync('bash', [INSTALL_TEMPORAL_TOOLS_SCRIPT], { stdio: 'inherit' });
  if (result.error) {
    throw new Error(`could not run ${INSTALL_TEMPORAL_TOOLS_SCRIPT}: ${result.error.message}`);
  }
  if (result.status !== 0) {
    throw new Error(`${INSTALL_TEMPORAL_TOOLS_SCRIPT} failed (exit ${result.status}); see its output above`);
  }
}
