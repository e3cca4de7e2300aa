import type { Payload, SerializationContext } from '@temporalio/common';

/**
 * What an encrypted payload belongs to: the namespace and workflow id of its lifecycle. The
 * binding is authenticated with the ciphertext (AES-GCM additional data) and carried in the
 * payload's metadata, so a payload cannot be relabelled, and a worker or client that knows which
 * lifecycle it is reading for refuses a payload bound to another one: ciphertext copied from one
 * lifecycle's history into a signal, update or start of another is not read.
 *
 * The lifecycle comes from the SDK's serialization context (workflow id and namespace; for an
 * activity, the workflow that scheduled it), which the SDK passes to payload codecs for every
 * payload it owns to one workflow. Where it passes none (the failure of a workflow task, written
 * by the worker itself), the payload is bound to no lifecycle: readable where no lifecycle is
 * asked for (Temporal UI through the codec endpoint), refused by every lifecycle.
 */

/** Metadata naming the ciphertext's format; absent on payloads written before binding (format 1). */
export const FORMAT_METADATA = 'encryption-format';
export const BOUND_NAMESPACE_METADATA = 'encryption-namespace';
export const BOUND_WORKFLOW_ID_METADATA = 'encryption-workflow-id';

/** Format 1: additional data is the key id only. Format 2: key id, namespace and workflow id. */
export const BOUND_FORMAT = '2';

export interface PayloadBinding {
  namespace: string;
  /** Empty when the payload belongs to no lifecycle. */
  workflowId: string;
}

/** Bound to no lifecycle: what is written without a serialization context. */
export const UNBOUND: PayloadBinding = { namespace: '', workflowId: '' };

/** The lifecycle a serialization context names, or undefined when it names none. */
export function bindingOf(context: SerializationContext | undefined): PayloadBinding | undefined {
  if (context === undefined || context.workflowId === undefined || context.workflowId === '')
    return undefined;
  return { namespace: context.namespace, workflowId: context.workflowId };
}

/** The additional authenticated data of a format-2 payload: unambiguous for any ids. */
export function boundAdditionalData(keyId: string, binding: PayloadBinding): Buffer {
  return Buffer.from(
    JSON.stringify([`hotdocs-payload/${BOUND_FORMAT}`, keyId, binding.namespace, binding.workflowId]),
  );
}

export function bindingMetadata(binding: PayloadBinding): Record<string, Uint8Array> {
  return {
    [FORMAT_METADATA]: Buffer.from(BOUND_FORMAT),
    [BOUND_NAMESPACE_METADATA]: Buffer.from(binding.namespace),
    [BOUND_WORKFLOW_ID_METADATA]: Buffer.from(binding.workflowId),
  };
}

/** The payload's format (1 when it names none) and, for format 2, its binding. */
export function readBinding(payload: Payload): { format: string; binding?: PayloadBinding } {
  const text = (name: string): string | undefined => {
    const value = payload.metadata?.[name];
    return value === undefined || value === null ? undefined : Buffer.from(value).toString('utf8');
  };
  const format = text(FORMAT_METADATA) ?? '1';
  if (format !== BOUND_FORMAT) return { format };
  return {
    format,
    binding: {
      namespace: text(BOUND_NAMESPACE_METADATA) ?? '',
      workflowId: text(BOUND_WORKFLOW_ID_METADATA) ?? '',
    },
  };
}

/** Why a payload bound to `bound` must not be read for `reader`, or undefined when it may. */
export function bindingMismatch(bound: PayloadBinding, reader: PayloadBinding): string | undefined {
  if (bound.workflowId === reader.workflowId && bound.namespace === reader.namespace) return undefined;
  const target = `lifecycle ${JSON.stringify(reader.workflowId)} (namespace ${JSON.stringify(reader.namespace)})`;
  if (bound.workflowId === '') {
    return `refused a payload that belongs to no lifecycle, presented to ${target}`;
  }
  return (
    `refused a payload bound to lifecycle ${JSON.stringify(bound.workflowId)} ` +
    `(namespace ${JSON.stringify(bound.namespace)}), presented to ${target}: ` +
    'encrypted payloads are read only by the lifecycle they were written for'
  );
}
