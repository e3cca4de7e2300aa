/**
 * Prebuilds the workflow bundles for production workers (`npm run build`): bundling at start-up
 * takes seconds and needs the sources; a worker started by `npm start` loads one of these instead.
 * The failure converter is compiled in, so there are two: with and without payload encryption.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { failureConverterPath } from '../src/codec/data-converter';
import { PREBUILT_BUNDLES } from '../src/codec/workflow-bundles';
import { TRACING_WORKFLOW_MODULES } from '../src/observability/tracing-worker';

async function bundle(out: string, encrypted: boolean): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    // Must match the worker's data converter: failure messages travel as (encryptable) payloads.
    failureConverterPath: failureConverterPath(encrypted),
    // The tracing interceptors are in every bundle: a lifecycle's history says whether they trace.
    workflowInterceptorModules: [...TRACING_WORKFLOW_MODULES],
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
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
