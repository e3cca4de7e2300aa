import { spawn } from 'node:child_process';
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { LIFECYCLE_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { findFreePort } from './free-port';
import { OutputTail } from './output-tail';
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

  const child = spawn(cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = new OutputTail(child.stderr);
  child.stdout.resume(); // only a start-up banner; drained so the pipe never fills

  // Settles once, whether the process exits or could not be spawned at all.
  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitReason = signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolve();
    });
    child.once('error', (error) => {
      exitReason = `could not be started: ${error.message}`;
      resolve();
    });
  });

  // Safety net: a test run or dev script that dies without calling stop() must not leave an
  // orphan server holding ports (and the SQLite file) behind.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));

  let stopping: Promise<void> | undefined;
  const stop = (stopOptions: { graceMs?: number } = {}): Promise<void> => {
    stopping ??= (async () => {
      if (exitReason !== undefined) return;
      child.kill('SIGTERM');
      const graceMs = stopOptions.graceMs ?? DEFAULT_STOP_GRACE_MS;
      // The grace timer is cancelled on exit so it does not keep the caller's process alive.
      const graceTimer = new AbortController();
      const timedOut = await Promise.race([
        exited.then(() => false),
        delay(graceMs, true, { signal: graceTimer.signal }).catch(() => false),
      ]);
      graceTimer.abort();
      if (timedOut) {
        child.kill('SIGKILL');
        await exited;
      }
    })();
    return stopping;
  };

  const describeFailure = (what: string): Error =>
    new Error(
      `Temporal dev server (${cliPath} ${args.join(' ')}) ${what}.\n` +
        `Last lines of its stderr:\n${stderr.text() || '(nothing)'}`,
    );

  try {
    await waitUntilReady({
      address,
      namespace,
      searchAttributeNames: searchAttributes.map(({ name }) => name),
      deadline: Date.now() + (options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS),
      hasExited: () => exitReason,
      exited,
    });
  } catch (error) {
    await stop({ graceMs: 0 });
    throw describeFailure((error as Error).message);
  }

  const pid = child.pid;
  if (pid === undefined) throw describeFailure('has no process id');
  return {
    address,
    uiUrl: uiPort === undefined ? undefined : `http://${hostForAddress(ip)}:${uiPort}`,
    namespace,
    pid,
    exited: exited.then(() => exitReason ?? 'exited'),
    stop,
  };
}

function requireLocalTemporalCli(): string {
  const resolved = resolveTemporalCli();
  if (resolved.source !== 'download') return resolved.path;
  const { cli } = readPinnedTemporalToolVersions();
  throw new Error(
    'No Temporal CLI found. Set TEMPORAL_CLI_PATH, put `temporal` on PATH, or run ' +
      `scripts/install-temporal-tools.sh (installs temporal ${cli} into .tools/).`,
  );
}

interface ReadinessCheck {
  address: string;
  namespace: string;
  searchAttributeNames: readonly string[];
  deadline: number;
  /** Why the server process ended, or undefined while it runs. */
  hasExited: () => string | undefined;
  /** Settles when the server process ends. */
  exited: Promise<void>;
}

/** Polls until the namespace answers and lists every custom search attribute. */
async function waitUntilReady(check: ReadinessCheck): Promise<void> {
  let lastProblem = 'did not answer';
  for (;;) {
    const exitReason = check.hasExited();
    if (exitReason !== undefined) throw new Error(`${exitReason} before it was ready`);
    if (Date.now() > check.deadline) {
      throw new Error(`was not ready in time at ${check.address} (last problem: ${lastProblem})`);
    }
    // Racing the exit keeps a server that dies at start-up from costing a full probe timeout.
    lastProblem = await Promise.race([probeOnce(check), check.exited.then(() => 'exited')]);
    if (lastProblem === '') return;
    await delay(READY_POLL_INTERVAL_MS);
  }
}

/** One readiness probe: '' when ready, otherwise what is still missing. */
async function probeOnce({ address, namespace, searchAttributeNames }: ReadinessCheck): Promise<string> {
  // Lazy + explicit deadline rather than Connection.connect: a connect that fails leaves its
  // channel (and socket) open, while this connection is always closed below.
  const connection = Connection.lazy({ address });
  try {
    return await connection.withDeadline(Date.now() + PROBE_TIMEOUT_MS, async () => {
      await connection.workflowService.describeNamespace({ namespace });
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      const missing = searchAttributeNames.filter((name) => !(name in (customAttributes ?? {})));
      return missing.length === 0 ? '' : `search attributes not visible yet: ${missing.join(', ')}`;
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
