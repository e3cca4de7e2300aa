import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

export interface WorkflowBundles {
  /** The lifecycle's workflows (`src/workflows`), as `npm run build` prebuilds them. */
  lifecycle: string;
  /** The floor workflow (`bench/floor/workflows.ts`). */
  floor: string;
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

async function writeBundle(name: string, workflowsPath: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quiet });
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
    lifecycle: await writeBundle('lifecycle', require.resolve('../../src/workflows')),
    floor: await writeBundle('floor', require.resolve('../floor/workflows')),
  }))();
  return bundles;
}

/**
 * The lifecycle's workflows as they were at git commit `ref` (a branch, tag or commit of this
 * repository), bundled like the current ones: `src/` of that commit is exported into the run's
 * folder (with this tree's node_modules linked in) and its `src/workflows` bundled. A worker of
 * this tree runs it, so a benchmark compares the workflow code before and after a change in one
 * run, on one server, with the same activities.
 */
export async function baselineBundle(ref: string): Promise<{ file: string; commit: string }> {
  const commit = execFileSync('git', ['-C', PROJECT, 'rev-parse', '--verify', `${ref}^{commit}`], {
    encoding: 'utf8',
  }).trim();
  const root = path.join(await bundleFolder(), `src-${commit.slice(0, 12)}`);
  await mkdir(root, { recursive: true });
  const archive = execFileSync('git', ['-C', PROJECT, 'archive', '--format=tar', commit, 'src'], {
    maxBuffer: 256 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', root], { input: archive });
  await symlink(path.join(PROJECT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  const file = await writeBundle(`baseline-${commit.slice(0, 12)}`, path.join(root, 'src', 'workflows'));
  return { file, commit };
}
