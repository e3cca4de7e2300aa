import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { WorkerOptions } from '@temporalio/worker';
import { ConfigError, type WorkerConfig } from './config';
import { packageVersion } from './package-version';

/**
 * Which build of the worker this is, and how it presents itself to Temporal.
 *
 * - The build id is stamped on every workflow task the worker completes (the history's
 *   `WorkflowTaskCompleted` events), shown in its identity (activity and workflow task events,
 *   the UI's pollers), in the "worker started" log line and in `/metrics`
 *   (`hotdocs_worker_build_info`), so operators see which build ran what.
 * - Without `WORKER_DEPLOYMENT_NAME` the worker is unversioned: the server gives its tasks to any
 *   worker on the task queue, and a change to the lifecycle must replay on old histories
 *   (`patched()`, checked by `hotdocs-temporal replay-check`).
 * - With it, the worker joins that worker deployment with Worker Versioning and the AUTO_UPGRADE
 *   behaviour: a new build polls beside the old one but takes no task until an operator makes it
 *   the current version; then every lifecycle, parked ones included, moves to it at its next
 *   task, and the old build drains. PINNED is not used: a lifecycle waits weeks for its
 *   interview, and pinning would keep every old build running until the last of its lifecycles
 *   closed (and keep fixes from reaching them). Auto-upgrade still replays old histories on the
 *   new code, so the `patched()` rule holds either way (docs/deploy.md, "Upgrading the worker").
 */

export interface WorkerVersion {
  buildId: string;
  /** The worker deployment; undefined for an unversioned worker. */
  deploymentName?: string;
  /** Where the build id came from. */
  buildIdSource: 'WORKER_BUILD_ID' | 'workflow bundle' | 'package version (workflow sources)';
}

/** The version of a worker running `workflowCode`; a `ConfigError` when it cannot be told apart. */
export function resolveWorkerVersion(
  config: Pick<WorkerConfig, 'buildId' | 'deploymentName'>,
  workflowCode: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>,
): WorkerVersion {
  const { deploymentName } = config;
  if (config.buildId !== undefined)
    return { buildId: config.buildId, deploymentName, buildIdSource: 'WORKER_BUILD_ID' };
  const bundle = bundleCode(workflowCode.workflowBundle);
  if (bundle !== undefined) {
    const digest = createHash('sha256').update(bundle).digest('hex').slice(0, 12);
    return { buildId: `${packageVersion()}+${digest}`, deploymentName, buildIdSource: 'workflow bundle' };
  }
  if (deploymentName !== undefined) {
    // Sources are bundled when the worker starts: two different edits would share one id, and
    // the server would route both as the same version.
    throw new ConfigError([
      'WORKER_BUILD_ID is required with WORKER_DEPLOYMENT_NAME when the worker runs workflow sources ' +
        '(set WORKFLOW_BUNDLE_PATH, or run the build: its bundle gives the build id)',
    ]);
  }
  return { buildId: `${packageVersion()}+sources`, buildIdSource: 'package version (workflow sources)' };
}

/** The SDK options that present `version`: deployment options and an identity naming the build. */
export function workerVersionOptions(
  version: WorkerVersion,
): Pick<WorkerOptions, 'workerDeploymentOptions' | 'identity'> {
  const identity = `${process.pid}@${hostname()} build ${version.buildId}`;
  if (version.deploymentName === undefined) {
    // Versioning off: the server routes nothing by this version (and records no deployment);
    // it only stamps the build id on the workflow tasks. The SDK needs a deployment name for
    // that, and its older `buildId` option is deprecated.
    return {
      identity,
      workerDeploymentOptions: {
        version: { deploymentName: UNVERSIONED_DEPLOYMENT, buildId: version.buildId },
        useWorkerVersioning: false,
      },
    };
  }
  return {
    identity,
    workerDeploymentOptions: {
      version: { deploymentName: version.deploymentName, buildId: version.buildId },
      useWorkerVersioning: true,
      defaultVersioningBehavior: 'AUTO_UPGRADE',
    },
  };
}

/** The deployment name an unversioned worker reports beside its build id on workflow tasks. */
export const UNVERSIONED_DEPLOYMENT = 'hotdocs-unversioned';

function bundleCode(bundle: WorkerOptions['workflowBundle']): string | undefined {
  if (bundle === undefined) return undefined;
  return 'code' in bundle ? bundle.code : readFileSync(bundle.codePath, 'utf8');
}
