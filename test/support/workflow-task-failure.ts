import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type PayloadCodec } from '@temporalio/common';
import { decodeFailure } from '@temporalio/common/lib/internal-non-workflow';
import { eventually } from './lifecycle-harness';

/**
 * The message of a lifecycle's first failed workflow task, once its history has one. With payload
 * encryption the worker encrypts failure messages too: decoded here with `codec`, as Temporal UI's
 * codec endpoint shows it.
 */
export async function workflowTaskFailureMessage(
  handle: WorkflowHandle,
  codec: PayloadCodec,
): Promise<string> {
  const failure = await eventually(async () => {
    for (const event of (await handle.fetchHistory()).events ?? []) {
      const failed = event.workflowTaskFailedEventAttributes?.failure;
      if (failed) return failed;
    }
    return undefined;
  });
  const decoded = await decodeFailure([codec], failure);
  if (decoded.encodedAttributes == null) return decoded.message ?? '';
  return defaultPayloadConverter.fromPayload<{ message: string }>(decoded.encodedAttributes).message;
}
