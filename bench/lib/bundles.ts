import { rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
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

let bundles: Promise<WorkflowBundles> | undefined;

/**
 * Bundles both workflow sources once per run into a temporary folder. Workers then load a
 * prebuilt bundle, as production workers do, and no worker start pays for webpack again.
 */
export function workflowBundles(): Promise<WorkflowBundles> {
  bundles ??= (async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hotdocs-bench-bundles-'));
    // Workers load the files while the run lasts; nothing needs them afterwards.
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const write = async (name: string, workflowsPath: string): Promise<string> => {
      const { code } = await bundleWorkflowCode({ workflowsPath, logger: quiet });
      const file = path.join(dir, `${name}.js`);
      await writeFile(file, code);
      return file;
    };
    return {
      lifecycle: await write('lifecycle', require.resolve('../../src/workflows')),
      floor: await write('floor', require.resolve('../floor/workflows')),
    };
  })();
  return bundles;
}
