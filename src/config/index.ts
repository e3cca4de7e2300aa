/**
 * Environment → validated, typed configuration: shared parsing in `env.ts`, one loader per
 * product (worker, gateway, codec endpoint) and the parts they share (Advance tenancies, payload
 * encryption keys). Every problem is reported at once, by variable name.
 *
 * The Temporal connection itself (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`,
 * `TEMPORAL_TLS_*`, `TEMPORAL_PROFILE`, `TEMPORAL_CONFIG_FILE`) is read by `@temporalio/envconfig`.
 */
import { ADVANCE_VARIABLES } from './advance';
import { CODEC_VARIABLES } from './codec';
import { ENCRYPTION_VARIABLES } from './encryption';
import { GATEWAY_VARIABLES } from './gateway';
import { WORKER_VARIABLES } from './worker';
import { DOCUMENT_STORE_VARIABLES } from '../documents/store-config';
import { TRACING_VARIABLES } from '../observability/tracing-config';

export { ConfigError, type Env, type VariableDocs } from './env';
export { loadAdvanceConfig, type AdvanceConfig } from './advance';
export { loadEncryptionKeys, loadPayloadEncryption, type PayloadEncryption } from './encryption';
export * from './api-keys';
export { loadWorkerConfig, type WorkerConfig } from './worker';
export { DEFAULT_DOCUMENT_STORE_DIR } from '../documents/store-config';
export * from './gateway';
export { loadCodecServerConfig, type CodecServerConfig } from './codec';
export { DEFAULT_TASK_QUEUE } from '../workflows/messages';

/** Every variable our own code reads (beside the `TEMPORAL_*` connection ones), with meaning and default. */
export const CONFIG_VARIABLES: Readonly<Record<string, string>> = {
  ...WORKER_VARIABLES,
  ...ADVANCE_VARIABLES,
  ...DOCUMENT_STORE_VARIABLES,
  ...ENCRYPTION_VARIABLES,
  ...CODEC_VARIABLES,
  ...GATEWAY_VARIABLES,
  ...TRACING_VARIABLES,
};
