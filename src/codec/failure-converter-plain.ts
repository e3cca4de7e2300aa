import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Without payload encryption: failure messages stay plain text, so Temporal UI and `temporal
 * workflow result` show them as they are (encoding them would only hide them behind
 * "Encoded failure" with nothing to encrypt them).
 */
export const failureConverter = new DefaultFailureConverter();

/** Found in a workflow bundle built with this converter (see workflow-bundles.ts). */
export const FAILURE_CONVERTER_MARKER = 'hotdocs-failure-converter:plain';
