import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildWorkflowBundle } from '../../tools/workflow-bundle';

/**
 * One workflow bundle per test run instead of one per worker: bundling the sources costs a worker
 * seconds of CPU at start-up, and every lifecycle test file starts at least one. The jest global
 * setup builds the two bundles (plain and encrypted, as `npm run build` does) into a git-ignored
 * cache keyed by the sources, so an unchanged tree reuses them; test workers find them through
 * this variable.
 */
export const TEST_WORKFLOW_BUNDLES_ENV = 'TEMPORAL_TEST_WORKFLOW_BUNDLES';

const PROJECT = path.resolve(__dirname, '..', '..');
const CACHE = path.join(PROJECT, 'node_modules', '.cache', 'hdat-test-workflow-bundles');

const fileName = (encrypted: boolean) => (encrypted ? 'workflow-bundle.encrypted.js' : 'workflow-bundle.js');

/** Builds the bundles unless the cache holds them for these sources; publishes their folder. */
export async function prepareSharedWorkflowBundles(): Promise<void> {
  const folder = path.join(CACHE, sourcesDigest());
  for (const encrypted of [false, true]) {
    const file = path.join(folder, fileName(encrypted));
    if (existsSync(file)) continue;
    await mkdir(folder, { recursive: true });
    // Written aside and renamed: a run that stops half-way leaves no truncated bundle behind.
    const partial = `${file}.${process.pid}.partial`;
    await writeFile(partial, await buildWorkflowBundle(encrypted));
    await rename(partial, file);
  }
  process.env[TEST_WORKFLOW_BUNDLES_ENV] = folder;
}

/** The run's bundle for a worker with (or without) payload encryption; undefined outside jest. */
export function sharedWorkflowBundle(encrypted: boolean): string | undefined {
  const folder = process.env[TEST_WORKFLOW_BUNDLES_ENV];
  return folder === undefined ? undefined : path.join(folder, fileName(encrypted));
}

/** What the bundles are made of: every file under src/, the bundler's recipe and the SDK version. */
function sourcesDigest(): string {
  const hash = createHash('sha256');
  const files = [...filesUnder(path.join(PROJECT, 'src')), path.join(PROJECT, 'tools', 'workflow-bundle.ts')];
  for (const file of files.sort())
    hash.update(path.relative(PROJECT, file)).update('\0').update(readFileSync(file));
  const sdk = JSON.parse(
    readFileSync(path.join(PROJECT, 'node_modules', '@temporalio', 'workflow', 'package.json'), 'utf8'),
  ) as { version: string };
  return hash.update(sdk.version).digest('hex').slice(0, 16);
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}
