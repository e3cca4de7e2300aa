import { loadPayloadEncryption, type PayloadEncryption } from './encryption';
import { ConfigError, read, setting, type Env, type SettingsTable } from './env';
import { GATEWAY_SETTINGS } from './gateway';
import { httpBaseUrl, text } from './parsers';
import {
  readTemporalConnection,
  TEMPORAL_SETTINGS,
  type TemporalConnection,
  type TemporalOverrides,
} from './temporal';

/**
 * What a client of lifecycles reads: `LifecycleClient.connect`, the gateway's client and the
 * `hotdocs-temporal` commands (the Temporal connection, the task queue, payload encryption), and
 * what the `documents` command reads to reach the gateway.
 */

export interface ClientConfig {
  temporal: TemporalConnection;
  /** `TEMPORAL_TASK_QUEUE`: where lifecycles are started. */
  taskQueue: string;
  encryption: PayloadEncryption;
}

/** A client's configuration, with a command line's flags over the environment; or a `ConfigError`. */
export function loadClientConfig(
  env: Env,
  overrides: TemporalOverrides & { taskQueue?: string } = {},
): ClientConfig {
  const problems: string[] = [];
  const temporal = readTemporalConnection(env, problems, overrides);
  const taskQueue = overrides.taskQueue ?? read(TEMPORAL_SETTINGS.taskQueue, env, problems);
  const encryption = loadPayloadEncryption(env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { temporal, taskQueue, encryption };
}

/** How the command line reaches the gateway (`hotdocs-temporal documents`). */
export const CLI_SETTINGS = {
  gatewayUrl: setting({
    name: 'HOTDOCS_GATEWAY_URL',
    description: "`hotdocs-temporal documents`: the gateway's base URL (`--gateway` overrides it)",
    // Where the gateway listens by default, as `npm run dev` runs it.
    default: `http://${GATEWAY_SETTINGS.host.default}:${GATEWAY_SETTINGS.port.default}`,
    parse: httpBaseUrl,
  }),
  gatewayApiKey: setting({
    name: 'HOTDOCS_GATEWAY_API_KEY',
    description:
      '`hotdocs-temporal documents`: the API key it sends (`--api-key-file` instead keeps it in a file)',
    whenUnset: 'required unless `--api-key-file`',
    parse: text,
  }),
} as const satisfies SettingsTable;

/** The gateway URL and API key the `documents` command takes when no flag gives them. */
export function readGatewayAccess(env: Env, problems: string[]): { url: string; apiKey?: string } {
  const url = read(CLI_SETTINGS.gatewayUrl, env, problems);
  const apiKey = read(CLI_SETTINGS.gatewayApiKey, env, problems);
  return apiKey === undefined ? { url } : { url, apiKey };
}
