import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { TRACING_WORKFLOW_MODULES } from '../../src/observability/tracing-worker';

export interface WorkflowBundles {
  /** The lifecycle's workflows (`src/workflows`), as `npm run build` prebuilds them. */
  lifecycle: string;
  /** The floor workflow (`bench/floor/workflows.ts`). */
  floor: string;
  /** The peer workflow (`bench/peer/workflows.ts`). */
  peer: string;
}

const quiet = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} };
const PROJECT = path.resolve(__dirname, '..', '..');

let bundles: Promise<WorkflowBundles> | undefined;
let folder: Promise<string> | undefined;

/** One temporary folder per run for every bundle; workers load the files while the run lasts. */
function bundleFolder(): Promise<string> {
  folder ??= (async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hotdocs-bench-bundles-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  })();
  return folder;
}

async function writeBundle(
  name: string,
  workflowsPath: string,
  workflowInterceptorModules: readonly string[] = [],
): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: [...workflowInterceptorModules],
    logger: quiet,
  });
  const file = path.join(await bundleFolder(), `${name}.js`);
  await writeFile(file, code);
  return file;
}

/**
 * Bundles both workflow sources once per run into a temporary folder. Workers then load a
 * prebuilt bundle, as production workers do, and no worker start pays for webpack again.
 */
export function workflowBundles(): Promise<WorkflowBundles> {
  bundles ??= (async () => ({
    // With the tracing interceptor module, as `npm run build` bundles it for production workers.
    lifecycle: await writeBundle(
      'lifecycle',
      require.resolve('../../src/workflows'),
      TRACING_WORKFLOW_MODULES,
    ),
    floor: await writeBundle('floor', require.resolve('../floor/workflows')),
    peer: await writeBundle('peer', require.resolve('../peer/workflows')),
  }))();
  return bundles;
}

/**
 * The lifecycle's worker as it was at git commit `ref` (a branch, tag or commit of this
 * repository): `src/` of that commit (with its package.json, where the worker reads its version,
 * and tsconfig.json) is exported into the run's folder (with this tree's node_modules linked in)
 * and its `src/workflows` bundled like the current ones. A baseline worker runs that commit's
 * workflows *and* its activities, configuration and worker set-up (`sourceRoot`, see
 * worker-child.ts), so a benchmark compares a change in either, before and after, in one run, on
 * one server.
 */
export async function baselineSource(
  ref: string,
): Promise<{ file: string; commit: string; sourceRoot: string }> {
  const commit = execFileSync('git', ['-C', PROJECT, 'rev-parse', '--verify', `${ref}^{commit}`], {
    encoding: 'utf8',
  }).trim();
  const root = path.join(await bundleFolder(), `src-${commit.slice(0, 12)}`);
  await mkdir(root, { recursive: true });
  const archive = execFileSync(
    'git',
    ['-C', PROJECT, 'archive', '--format=tar', commit, 'src', 'package.json', 'tsconfig.json'],
    {
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  execFileSync('tar', ['-x', '-C', root], { input: archive });
  await symlink(path.join(PROJECT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  // A commit from before tracing has no interceptor module; later ones bundle theirs, as their build did.
  const interceptors = path.join(root, 'src', 'observability', 'tracing-workflow-interceptors.ts');
  const file = await writeBundle(
    `baseline-${commit.slice(0, 12)}`,
    path.join(root, 'src', 'workflows'),
    existsSync(interceptors) ? [interceptors] : [],
  );
  return { file, commit, sourceRoot: root };
}
