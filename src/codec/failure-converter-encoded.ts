import { DefaultFailureConverter } from '@temporalio/common';

/**
 * With payload encryption: failure messages and stack traces travel as an encoded payload instead
 * of plain text, so the payload codec encrypts them too (an answer-XML error may quote an answer).
 * Loaded by path by the worker, the workflow bundle and the clients (`failureConverterPath`).
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });

/** Found in a workflow bundle built with this converter (see workflow-bundles.ts). */
export const FAILURE_CONVERTER_MARKER = 'hotdocs-failure-converter:encoded';
