/**
 * Prebuilds the workflow bundle for production workers (`npm run build`): bundling at start-up
 * takes seconds and needs the sources; a worker started by `npm start` loads this file instead.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../src/codec/data-converter';

async function main(): Promise<void> {
  const out = path.resolve(__dirname, '..', 'dist', 'workflow-bundle.js');
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    // Must match the worker's data converter: failure messages travel as (encryptable) payloads.
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, code);
  console.log(
    `workflow bundle: ${path.relative(process.cwd(), out)} (${(code.length / 1024 / 1024).toFixed(1)} MB)`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
