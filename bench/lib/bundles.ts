import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { TRACING_WORKFLOW_MODULES } from '../../src/observability/tracing-worker';

/**
 * The workflow sources a benchmark worker runs: the lifecycle's (`src/workflows`, with the tracing
 * interceptor module, as `npm run build` prebuilds them), the floor's (`bench/floor/`) and the
 * peer's (`bench/peer/`).
 */
const WORKFLOW_SOURCES = {
  lifecycle: { path: require.resolve('../../src/workflows'), interceptors: TRACING_WORKFLOW_MODULES },
  floor: { path: require.resolve('../floor/workflows'), interceptors: [] },
  peer: { path: require.resolve('../peer/workflows'), interceptors: [] },
} as const;

export type WorkflowSource = keyof typeof WORKFLOW_SOURCES;

const quiet = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} };
const PROJECT = path.resolve(__dirname, '..', '..');

const bundles = new Map<WorkflowSource, Promise<string>>();
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
 * One workflow source bundled once per run, when a worker first needs it, into a temporary folder.
 * Workers then load a prebuilt bundle, as production workers do, and no worker start pays for
 * webpack again.
 */
export function workflowBundle(name: WorkflowSource): Promise<string> {
  let bundle = bundles.get(name);
  if (bundle === undefined) {
    const source = WORKFLOW_SOURCES[name];
    bundle = writeBundle(name, source.path, source.interceptors);
    bundles.set(name, bundle);
  }
  return bundle;
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
  const interceptors = TRACING_WORKFLOW_MODULES.map((module) =>
    path.join(root, path.relative(PROJECT, module)),
  ).filter((module) => existsSync(module));
  const file = await writeBundle(
    `baseline-${commit.slice(0, 12)}`,
    path.join(root, 'src', 'workflows'),
    interceptors,
  );
  return { file, commit, sourceRoot: root };
}
