import { bundleWorkflowCode } from '@temporalio/worker';
import { failureConverterPath } from '../src/codec/data-converter';
import { TRACING_WORKFLOW_MODULES } from '../src/observability/tracing-worker';

/**
 * The lifecycle's workflow code as one bundle, the way production workers load it: with the
 * failure converter of the deployment (encrypted or not) and the tracing interceptors compiled in.
 */
export async function buildWorkflowBundle(encrypted: boolean): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    // Must match the worker's data converter: failure messages travel as (encryptable) payloads.
    failureConverterPath: failureConverterPath(encrypted),
    // The tracing interceptors are in every bundle: a lifecycle's history says whether they trace.
    workflowInterceptorModules: [...TRACING_WORKFLOW_MODULES],
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  return code;
}
