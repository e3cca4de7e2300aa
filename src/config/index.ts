/**
 * Environment → validated, typed configuration: one table of settings per product (name,
 * description, default, parser: env.ts), a loader beside each, and the parts they share (the
 * Temporal connection, Advance tenancies, payload encryption keys, the document store). Every
 * problem is reported at once, by variable name.
 */
export { ConfigError, type Env, type Setting, type SettingsTable } from './env';
export { TEMPORAL_SETTINGS, loadTemporalConnection, type TemporalConnection } from './temporal';
export { loadClientConfig, CLI_SETTINGS, type ClientConfig } from './client';
export {
  ADVANCE_CALLBACK_SETTINGS,
  ADVANCE_SETTINGS,
  loadAdvanceConfig,
  type AdvanceConfig,
} from './advance';
export {
  ENCRYPTION_SETTINGS,
  loadEncryptionKeys,
  loadPayloadEncryption,
  type PayloadEncryption,
} from './encryption';
export * from './api-keys';
export { WORKER_SETTINGS, loadWorkerConfig, type WorkerConfig } from './worker';
export { DOCUMENT_STORE_SETTINGS, loadDocumentStoreConfig, type DocumentStoreConfig } from './document-store';
export * from './gateway';
export { CODEC_SETTINGS, loadCodecServerConfig, type CodecServerConfig } from './codec';
export { TRACING_SETTINGS, loadTracingConfig, type TracingConfig } from './tracing';
export {
  CONFIGURATION_TABLES,
  PRODUCT_TABLES,
  environmentHelp,
  knownVariableNames,
  tableRows,
  variablesOf,
  type Product,
} from './tables';
