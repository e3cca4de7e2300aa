import { loadClientConnectConfig, type ClientConnectConfig } from '@temporalio/envconfig';
import { DEFAULT_TASK_QUEUE } from '../workflows/messages';
import { ConfigError, setting, type Env } from './env';
import { text as anyText } from './parsers';

/**
 * The connection to Temporal, the same for the worker, the gateway and the command line. It is
 * read by `@temporalio/envconfig` (environment over a config-file profile), so Temporal's own
 * CLI and SDKs understand the same variables; the table lists them for the docs and for
 * deployments, and `loadTemporalConnection` is the one place that reads them.
 */
export const TEMPORAL_SETTINGS = {
  address: setting({
    name: 'TEMPORAL_ADDRESS',
    description: "the Temporal frontend's host:port",
    default: 'localhost:7233',
    parse: anyText,
  }),
  namespace: setting({
    name: 'TEMPORAL_NAMESPACE',
    description: 'the Temporal namespace lifecycles run in',
    default: 'default',
    parse: anyText,
  }),
  taskQueue: setting({
    name: 'TEMPORAL_TASK_QUEUE',
    description: 'the task queue workers poll and clients start lifecycles on',
    default: DEFAULT_TASK_QUEUE,
    parse: anyText,
  }),
  apiKey: setting({
    name: 'TEMPORAL_API_KEY',
    description: 'API key for Temporal Cloud (sent as a bearer token; turns TLS on)',
    whenUnset: 'none',
    parse: anyText,
  }),
  tls: setting({
    name: 'TEMPORAL_TLS',
    description: '"true" connects over TLS even without other TLS settings; "false" never does',
    whenUnset: 'on when an API key or any `TEMPORAL_TLS_*` variable is set',
    parse: anyText,
  }),
  tlsClientCertPath: setting({
    name: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
    description: 'mTLS: file of the client certificate (or `TEMPORAL_TLS_CLIENT_CERT_DATA`: the PEM itself)',
    whenUnset: 'none',
    parse: anyText,
  }),
  tlsClientCertData: setting({
    name: 'TEMPORAL_TLS_CLIENT_CERT_DATA',
    description: 'mTLS: the client certificate as PEM text',
    whenUnset: 'none',
    parse: anyText,
  }),
  tlsClientKeyPath: setting({
    name: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
    description: "mTLS: file of the client certificate's private key (or `TEMPORAL_TLS_CLIENT_KEY_DATA`)",
    whenUnset: 'none',
    parse: anyText,
  }),
  tlsClientKeyData: setting({
    name: 'TEMPORAL_TLS_CLIENT_KEY_DATA',
    description: "mTLS: the client certificate's private key as PEM text",
    whenUnset: 'none',
    parse: anyText,
  }),
  tlsServerCaCertPath: setting({
    name: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
    description: "file of the CA certificate the server's certificate is checked against",
    whenUnset: "the system's CAs",
    parse: anyText,
  }),
  tlsServerCaCertData: setting({
    name: 'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
    description: 'that CA certificate as PEM text',
    whenUnset: "the system's CAs",
    parse: anyText,
  }),
  tlsServerName: setting({
    name: 'TEMPORAL_TLS_SERVER_NAME',
    description: "the name the server's certificate must carry, when it differs from the address's host",
    whenUnset: "the address's host",
    parse: anyText,
  }),
  profile: setting({
    name: 'TEMPORAL_PROFILE',
    description: 'the profile of the Temporal config file to use; variables above override it',
    default: 'default',
    parse: anyText,
  }),
  configFile: setting({
    name: 'TEMPORAL_CONFIG_FILE',
    description: "Temporal's TOML config file (the one `temporal config` writes)",
    whenUnset: '`temporalio/temporal.toml` in the user config folder, if it exists',
    parse: anyText,
  }),
} as const;

/** Where and how to reach Temporal, as a worker, a gateway or a client connects. */
export interface TemporalConnection {
  /** For `Connection.connect` (clients) and `NativeConnection.connect` (workers). */
  connectionOptions: ClientConnectConfig['connectionOptions'];
  namespace: string;
  /** The address dialled, for messages such as "cannot reach Temporal at …". */
  address: string;
}

/** What a command line's flags put over the environment. */
export interface TemporalOverrides {
  address?: string;
  namespace?: string;
}

/**
 * The Temporal connection from the environment, with `overrides` (command-line flags) on top.
 * Problems (an unreadable config file, an unknown profile) are added to `problems`.
 */
export function readTemporalConnection(
  env: Env,
  problems: string[],
  overrides: TemporalOverrides = {},
): TemporalConnection {
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) merged[name] = value;
  if (overrides.address !== undefined) merged[TEMPORAL_SETTINGS.address.name] = overrides.address;
  if (overrides.namespace !== undefined) merged[TEMPORAL_SETTINGS.namespace.name] = overrides.namespace;
  let loaded: ClientConnectConfig = { connectionOptions: {} };
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: merged });
  } catch (error) {
    problems.push(`Temporal connection settings (TEMPORAL_*): ${(error as Error).message}`);
  }
  const address = loaded.connectionOptions.address ?? TEMPORAL_SETTINGS.address.default;
  return {
    connectionOptions: { ...loaded.connectionOptions, address },
    namespace: loaded.namespace || TEMPORAL_SETTINGS.namespace.default,
    address,
  };
}

/** The Temporal connection alone, or a `ConfigError`. */
export function loadTemporalConnection(env: Env, overrides: TemporalOverrides = {}): TemporalConnection {
  const problems: string[] = [];
  const connection = readTemporalConnection(env, problems, overrides);
  if (problems.length > 0) throw new ConfigError(problems);
  return connection;
}
