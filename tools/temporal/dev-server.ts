import net from 'node:net';
import { Connection } from '@temporalio/client';
import { LIFECYCLE_SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes';
import { findFreePort } from '../../src/observability/free-port';
import { spawnChild } from '../process/child-process';
import { resolveTemporalCli } from './temporal-binaries';
import { readPinnedTemporalToolVersions } from './temporal-tool-versions';

// Part of this module's surface: callers that pick their own ports use the same helper.
export { findFreePort };

/** Search attribute types accepted by `temporal server start-dev --search-attribute`. */
export type DevServerSearchAttributeType =
  'Text' | 'Keyword' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export interface DevServerOptions {
  /** The `temporal` CLI; defaults to `resolveTemporalCli()` (env var → PATH → .tools). */
  cliPath?: string;
  /** Address the frontend binds to. Default `127.0.0.1` (not `localhost`, which may mean ::1). */
  ip?: string;
  /** gRPC frontend port. Default: a free port, so parallel runs never collide. */
  port?: number;
  /** Serve the Web UI. Implied by `uiPort`. Default: headless. */
  ui?: boolean;
  /** Web UI port. Default when the UI is on: a free port (the CLI's port+1000 may be taken). */
  uiPort?: number;
  /** Remote codec endpoint the Web UI uses to decode encrypted payloads. */
  uiCodecEndpoint?: string;
  /** SQLite file that keeps workflows across restarts. Default: in memory, lost on stop. */
  dbFilename?: string;
  /** Namespace the server creates and the readiness check uses. Default `default`. */
  namespace?: string;
  /** Custom search attributes to register. Default: the lifecycle's own. */
  searchAttributes?: ReadonlyArray<{ name: string; type: DevServerSearchAttributeType }>;
  /** Server log level (stderr). Default `warn`. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Extra `start-dev` flags, e.g. `--dynamic-config-value` for a chaos run. */
  extraArgs?: readonly string[];
  /** How long to wait for the server to be usable. Default 30 s. */
  readyTimeoutMs?: number;
}

export interface RunningDevServer {
  /** `host:port` of the gRPC frontend, as clients and workers take it. */
  address: string;
  /** Web UI, when enabled. */
  uiUrl?: string;
  namespace: string;
  pid: number;
  /** Settles with the reason once the server process ends, whether stopped or crashed. */
  exited: Promise<string>;
  /** SIGTERM, then SIGKILL if the server has not exited within `graceMs` (default 10 s). */
  stop(options?: { graceMs?: number }): Promise<void>;
}

const DEFAULT_READY_TIMEOUT_MS = 30_000;
const DEFAULT_STOP_GRACE_MS = 10_000;
const READY_POLL_INTERVAL_MS = 200;
const PROBE_TIMEOUT_MS = 1_000;

/**
 * Starts `temporal server start-dev` as a child process and resolves once it accepts calls in
 * `namespace` and shows the custom search attributes — a listening port alone is not enough.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<RunningDevServer> {
  const cliPath = options.cliPath ?? requireLocalTemporalCli();
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? (await findFreePort(ip));
  const wantsUi = options.ui === true || options.uiPort !== undefined;
  const uiPort = wantsUi ? (options.uiPort ?? (await findFreePort(ip))) : undefined;
  const namespace = options.namespace ?? 'default';
  const searchAttributes = options.searchAttributes ?? LIFECYCLE_SEARCH_ATTRIBUTES;
  const address = `${hostForAddress(ip)}:${port}`;

  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(port),
    '--log-level',
    options.logLevel ?? 'warn',
    ...(uiPort === undefined
      ? ['--headless']
      : // The UI's newsfeed is fetched from the internet; our machines are offline.
        ['--ui-port', String(uiPort), '--ui-disable-news-fetch']),
    ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
    ...(options.dbFilename ? ['--db-filename', options.dbFilename] : []),
    // `default` always exists; naming it again would only ask the CLI to create it twice.
    ...(namespace === 'default' ? [] : ['--namespace', namespace]),
    ...searchAttributes.flatMap(({ name, type }) => ['--search-attribute', `${name}=${type}`]),
    ...(options.extraArgs ?? []),
  ];

  const server = spawnChild({ name: 'Temporal dev server', command: cliPath, args });
  const readiness = { address, namespace, searchAttributeNames: searchAttributes.map(({ name }) => name) };
  try {
    // A listening port is not enough: the namespace must answer and show our search attributes.
    await server.waitReady(
      { probe: () => probeOnce(readiness), intervalMs: READY_POLL_INTERVAL_MS },
      options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
    );
  } catch (error) {
    await server.stop(0);
    throw new Error(`${(error as Error).message}\n(command: ${cliPath} ${args.join(' ')})`);
  }
  const pid = server.pid;
  if (pid === undefined) throw new Error('the Temporal dev server has no process id');
  return {
    address,
    uiUrl: uiPort === undefined ? undefined : `http://${hostForAddress(ip)}:${uiPort}`,
    namespace,
    pid,
    exited: server.exited,
    stop: (stopOptions = {}) => server.stop(stopOptions.graceMs ?? DEFAULT_STOP_GRACE_MS),
  };
}

function requireLocalTemporalCli(): string {
  const resolved = resolveTemporalCli();
  if (resolved.source !== 'download') return resolved.path;
  const { cli } = readPinnedTemporalToolVersions();
  throw new Error(
    'No Temporal CLI found. Set TEMPORAL_CLI_PATH, put `temporal` on PATH, or run ' +
      `tools/install-temporal-tools.sh (installs temporal ${cli} into .tools/).`,
  );
}

/** One readiness probe: true when ready, otherwise what is still missing. */
async function probeOnce({
  address,
  namespace,
  searchAttributeNames,
}: {
  address: string;
  namespace: string;
  searchAttributeNames: readonly string[];
}): Promise<true | string> {
  // Lazy + explicit deadline rather than Connection.connect: a connect that fails leaves its
  // channel (and socket) open, while this connection is always closed below.
  const connection = Connection.lazy({ address });
  try {
    return await connection.withDeadline(Date.now() + PROBE_TIMEOUT_MS, async () => {
      await connection.workflowService.describeNamespace({ namespace });
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      const missing = searchAttributeNames.filter((name) => !(name in (customAttributes ?? {})));
      return missing.length === 0 ? true : `search attributes not visible yet: ${missing.join(', ')}`;
    });
  } catch (error) {
    return (error as Error).message;
  } finally {
    await connection.close();
  }
}

function hostForAddress(ip: string): string {
  return net.isIPv6(ip) ? `[${ip}]` : ip;
}
