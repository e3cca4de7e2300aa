import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failure messages and stack traces travel as an encoded payload instead of plain text, so the
 * payload codec encrypts them too (an answer-XML error may quote an answer). Used by the worker,
 * the workflow bundle (`failureConverterPath`) and the clients; without a codec the attributes are
 * plain JSON payloads that Temporal UI still shows.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
