import path from 'node:path';
import type { Env } from '../../src/config';
import { startChild, typeScriptProcess, type ChildHandle } from '../../tools/process/child-process';
import { sharedWorkflowBundle } from './shared-workflow-bundle';
import { testServerLocation } from './temporal';

const ROOT = path.resolve(__dirname, '..', '..');

export interface WorkerProcess {
  child: ChildHandle['child'];
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs `src/worker.ts` as its own process, configured only through the environment, exactly as
 * `npm start` would, so that it can be SIGKILLed like a crashed pod. Unless the environment names
 * its own WORKFLOW_BUNDLE_PATH, it loads the run's shared workflow bundle, as a deployed worker
 * loads the one `npm run build` made; `workflowCode: 'sources'` makes it bundle the sources.
 */
export async function spawnWorker(
  workerEnv: Env,
  {
    readyTimeoutMs = 60_000,
    workflowCode = 'shared-bundle',
  }: { readyTimeoutMs?: number; workflowCode?: 'shared-bundle' | 'sources' } = {},
): Promise<WorkerProcess> {
  const { address, namespace } = testServerLocation();
  const encrypted =
    (workerEnv['PAYLOAD_ENCRYPTION_KEYS'] ?? workerEnv['PAYLOAD_ENCRYPTION_KEYS_FILE'] ?? '') !== '';
  const bundle =
    workflowCode === 'sources' || workerEnv['WORKFLOW_BUNDLE_PATH'] !== undefined
      ? undefined
      : sharedWorkflowBundle(encrypted);
  const { handle } = await startChild({
    name: 'worker',
    ...typeScriptProcess(path.join(ROOT, 'src', 'worker.ts')),
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'],
      // Port 0: several worker processes may run at once; each logs the address it got.
      WORKER_HTTP_PORT: '0',
      ...(bundle !== undefined && { WORKFLOW_BUNDLE_PATH: bundle }),
      ...workerEnv,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
    },
    ready: { output: '"worker started"' },
    readyTimeoutMs,
    // The tests read the whole log (e.g. that no secret reaches it).
    tailLines: 100_000,
  });
  return {
    child: handle.child,
    output: () => handle.output(),
    async kill(signal = 'SIGKILL') {
      if (signal === 'SIGKILL') return handle.kill();
      if (handle.isRunning()) handle.child.kill(signal);
      await handle.exited;
    },
  };
}
