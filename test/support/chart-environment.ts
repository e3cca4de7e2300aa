import { ADVANCE_VARIABLES } from '../../src/config/advance';
import { CODEC_VARIABLES } from '../../src/config/codec';
import { ENCRYPTION_VARIABLES } from '../../src/config/encryption';
import { GATEWAY_VARIABLES } from '../../src/config/gateway';
import { WORKER_VARIABLES } from '../../src/config/worker';
import { DOCUMENT_STORE_VARIABLES } from '../../src/documents/store-config';
import { TRACING_VARIABLES } from '../../src/observability/tracing-config';
import { deployments, type RenderedObject } from './kubernetes-tools';

/**
 * What each process of the chart reads from its environment, and the check that a rendered
 * manifest sets nothing else on a pod. `variablesRead` is the one place that knows which
 * configuration tables each process reads.
 */

export type ChartComponent = 'worker' | 'gateway' | 'codec';

/** The variables `@temporalio/envconfig` reads for worker and gateway (the connection to Temporal). */
const TEMPORAL_CONNECTION_VARIABLES: readonly string[] = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_PROFILE',
  'TEMPORAL_CONFIG_FILE',
];

/** Tracing variables the OpenTelemetry SDK reads itself (src/observability/tracing-config.ts names them). */
const OTEL_SDK_VARIABLES: readonly string[] = [
  'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
  'OTEL_TRACES_SAMPLER_ARG',
];

const names = (...tables: Readonly<Record<string, string>>[]): string[] =>
  tables.flatMap((t) => Object.keys(t));

/** Every variable each process reads: the tables of its configuration loader, and nothing else. */
export function variablesRead(component: ChartComponent): ReadonlySet<string> {
  switch (component) {
    case 'worker':
      return new Set([
        ...TEMPORAL_CONNECTION_VARIABLES,
        ...names(
          WORKER_VARIABLES,
          ADVANCE_VARIABLES,
          DOCUMENT_STORE_VARIABLES,
          ENCRYPTION_VARIABLES,
          TRACING_VARIABLES,
        ),
        ...OTEL_SDK_VARIABLES,
        // The gateway's public address, for the document links of lifecycle events.
        'GATEWAY_PUBLIC_URL',
      ]);
    case 'gateway':
      return new Set([
        ...TEMPORAL_CONNECTION_VARIABLES,
        'TEMPORAL_TASK_QUEUE',
        ...names(GATEWAY_VARIABLES, DOCUMENT_STORE_VARIABLES, ENCRYPTION_VARIABLES, TRACING_VARIABLES),
        ...OTEL_SDK_VARIABLES,
      ]);
    case 'codec':
      return new Set(names(CODEC_VARIABLES, ENCRYPTION_VARIABLES));
  }
}

/**
 * The variables of the project's own configuration tables each process reads: `variablesRead`
 * without the Temporal connection, whose variables the chart sets from `temporal.*` values only.
 */
export function ownVariables(component: ChartComponent): string[] {
  return [...variablesRead(component)].filter((name) => !TEMPORAL_CONNECTION_VARIABLES.includes(name));
}

export interface UnknownVariable {
  deployment: string;
  container: string;
  variable: string;
}

/** Every variable a rendered Deployment sets on a container that its process does not read. */
export function unknownVariables(objects: RenderedObject[]): UnknownVariable[] {
  const unknown: UnknownVariable[] = [];
  for (const { name, component, pod } of deployments(objects)) {
    if (component !== 'worker' && component !== 'gateway' && component !== 'codec')
      throw new Error(`Deployment ${name} has no known component label (${component})`);
    const known = variablesRead(component);
    for (const container of pod.containers) {
      for (const variable of container.env ?? []) {
        if (!known.has(variable.name))
          unknown.push({ deployment: name, container: container.name, variable: variable.name });
      }
    }
  }
  return unknown;
}
