// The production Temporal cluster on one host, for tests and benchmarks: PostgreSQL, the server
// from deploy/ as four processes, workers and gateways (startProductionCluster), Temporal UI with
// the codec endpoint (startClusterUi), lifecycles driven over the gateways, and the fault run.
export {
  startProductionCluster,
  type ClusterGateway,
  type ClusterSecrets,
  type ClusterTimings,
  type ProductionCluster,
  type ProductionClusterOptions,
} from './cluster';
export { runClusterFaults, PLANNED_FAULTS, type ClusterFaultRunOptions } from './fault-run';
export { buildFaultReport, faultReportTable, type ClusterFaultReport, type FaultEvent } from './fault-report';
export {
  driveLifecycleThroughGateways,
  GatewayClient,
  planLifecycle,
  type GatewayLifecycleOutcome,
  type LifecyclePlan,
} from './gateway-driver';
export { ManagedProcess, type ProcessSpec } from './managed-process';
export { CLUSTER_FILES, clusterBinaries } from './paths';
export { LocalPostgres } from './postgres';
export { SizingSampler, type SizingFigures } from './sizing';
export { startClusterUi, type ClusterUi } from './temporal-ui';
export { TemporalServer, TEMPORAL_SERVICES, type TemporalService } from './temporal-server';
export {
  CLIENT_IDENTITIES,
  clientConnectionOptions,
  FRONTEND_TLS_NAME,
  temporalClientTlsEnv,
  type ClientIdentity,
  type ClusterTls,
} from './tls';
