import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ensureTemporalTools } from '../../../tools/temporal';
import { CLUSTER_FILES, clusterBinaries } from '../../../tools/cluster/paths';

/**
 * The production tests need the pinned server, SQL tool and UI server (tools/cluster/install.sh,
 * which CI runs as a step of its own) and the Temporal CLI (the namespace script calls it). Both
 * are installed here when missing, so that `npm run test:production` works right after a clone.
 */
export default function globalSetup(): void {
  ensureTemporalTools({ cli: true, testServer: false });
  const binaries = clusterBinaries();
  const missing = [binaries.temporalServer, binaries.sqlTool, binaries.uiServer].filter(
    (f) => !existsSync(f),
  );
  if (missing.length === 0) return;
  const result = spawnSync('bash', [CLUSTER_FILES.installScript], { stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(`${CLUSTER_FILES.installScript} failed (exit ${result.status}); see its output above`);
  }
}
