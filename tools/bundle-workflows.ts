/**
 * Prebuilds the workflow bundles for production workers (`npm run build`): bundling at start-up
 * takes seconds and needs the sources; a worker started by `npm start` loads one of these instead.
 * The failure converter is compiled in, so there are two: with and without payload encryption.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PREBUILT_BUNDLES } from '../src/codec/workflow-bundles';
import { buildWorkflowBundle } from './workflow-bundle';

async function bundle(out: string, encrypted: boolean): Promise<void> {
  const code = await buildWorkflowBundle(encrypted);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, code);
  console.log(
    `workflow bundle: ${path.relative(process.cwd(), out)} (${(code.length / 1024 / 1024).toFixed(1)} MB)`,
  );
}

async function main(): Promise<void> {
  await bundle(PREBUILT_BUNDLES.plain, false);
  await bundle(PREBUILT_BUNDLES.encrypted, true);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
