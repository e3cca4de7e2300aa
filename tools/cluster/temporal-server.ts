import net from 'node:net';
import path from 'node:path';
import { ManagedProcess } from './managed-process';
import { CLUSTER_FILES } from './paths';
import type { ClusterTls } from './tls';

/** The server's services, each run as a process of its own (`start --service <name>`). */
export const TEMPORAL_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

/** The ports of one service, as deploy/temporal/config/temporal-server.yaml reads them. */
export interface ServicePorts {
  grpc: number;
  membership: number;
  /** The frontend's HTTP API. */
  http?: number;
}

export interface TemporalServerSettings {
  /** The server binary built by tools/cluster/install.sh. */
  serverBinary: string;
  postgres: { host: string; port: number; user: string; passwordFile: string };
  /** The frontend's and the internode certificates, with both authorities. */
  tls: Pick<
    ClusterTls,
    | 'caFile'
    | 'internodeCaFile'
    | 'frontendCertFile'
    | 'frontendKeyFile'
    | 'internodeCertFile'
    | 'internodeKeyFile'
  >;
  ports: Record<TemporalService, ServicePorts>;
  logDir: string;
  /** @default 'info' (as docker-compose.yml) */
  logLevel?: string;
}

/**
 * The variables deploy/temporal/scripts/start-server.sh and the configuration file read — the ones
 * docker-compose.yml gives its `temporal` service, with the host's addresses and free ports in
 * place of the compose network's (test/deploy/compose.test.ts holds the two lists together).
 */
export function temporalServerEnvironment(settings: TemporalServerSettings): Record<string, string> {
  const { postgres, ports, tls } = settings;
  return {
    TEMPORAL_SERVER: settings.serverBinary,
    TEMPORAL_SERVER_CONFIG_FILE_PATH: CLUSTER_FILES.serverConfig,
    DYNAMIC_CONFIG_FILE_PATH: CLUSTER_FILES.dynamicConfig,
    DB: 'postgres12',
    POSTGRES_SEEDS: postgres.host,
    DB_PORT: String(postgres.port),
    POSTGRES_USER: postgres.user,
    POSTGRES_PWD_FILE: postgres.passwordFile,
    DBNAME: 'temporal',
    VISIBILITY_DBNAME: 'temporal_visibility',
    BIND_ON_IP: '127.0.0.1',
    // Fixed when the database is created; the value compose gives.
    NUM_HISTORY_SHARDS: '4',
    LOG_LEVEL: settings.logLevel ?? 'info',
    FRONTEND_GRPC_PORT: String(ports.frontend.grpc),
    FRONTEND_HTTP_PORT: String(ports.frontend.http ?? 0),
    FRONTEND_MEMBERSHIP_PORT: String(ports.frontend.membership),
    HISTORY_GRPC_PORT: String(ports.history.grpc),
    HISTORY_MEMBERSHIP_PORT: String(ports.history.membership),
    MATCHING_GRPC_PORT: String(ports.matching.grpc),
    MATCHING_MEMBERSHIP_PORT: String(ports.matching.membership),
    WORKER_GRPC_PORT: String(ports.worker.grpc),
    WORKER_MEMBERSHIP_PORT: String(ports.worker.membership),
    TLS_CA_FILE: tls.caFile,
    TLS_INTERNODE_CA_FILE: tls.internodeCaFile,
    TLS_FRONTEND_CERT_FILE: tls.frontendCertFile,
    TLS_FRONTEND_KEY_FILE: tls.frontendKeyFile,
    TLS_INTERNODE_CERT_FILE: tls.internodeCertFile,
    TLS_INTERNODE_KEY_FILE: tls.internodeKeyFile,
  };
}

/**
 * The Temporal server as four processes on one host — frontend, history, matching and worker, each
 * started by deploy/temporal/scripts/start-server.sh with the configuration compose uses — so that
 * one service can be killed and started again while the others run on.
 */
export class TemporalServer {
  readonly services: Record<TemporalService, ManagedProcess>;
  /** `host:port` of the frontend, for clients and workers. */
  readonly address: string;
  /** SIGKILLs the test injected, by service. */
  readonly kills: Record<TemporalService, number> = { history: 0, matching: 0, frontend: 0, worker: 0 };

  constructor(readonly settings: TemporalServerSettings) {
    const env = {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      ...temporalServerEnvironment(settings),
    };
    this.address = `127.0.0.1:${settings.ports.frontend.grpc}`;
    const make = (service: TemporalService): ManagedProcess =>
      new ManagedProcess({
        name: service,
        command: 'sh',
        args: [CLUSTER_FILES.startServerScript, '--service', service],
        env,
        cwd: path.dirname(CLUSTER_FILES.startServerScript),
        logFile: path.join(settings.logDir, `temporal-${service}.log`),
        ready: () => portOpen(settings.ports[service].grpc),
        readyTimeoutMs: 60_000,
      });
    this.services = {
      history: make('history'),
      matching: make('matching'),
      frontend: make('frontend'),
      worker: make('worker'),
    };
  }

  /** Starts every service (history first: the others look it up in the membership ring). */
  async start(): Promise<void> {
    for (const service of TEMPORAL_SERVICES) await this.services[service].start();
  }

  /** SIGKILLs one service — a crashed pod — and starts it again after `downMs`. */
  async killAndRestart(service: TemporalService, downMs = 0): Promise<{ downMs: number }> {
    const killedAt = Date.now();
    await this.services[service].kill('SIGKILL');
    this.kills[service] += 1;
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.services[service].start();
    return { downMs: Date.now() - killedAt };
  }

  /** SIGKILLs every service at once — the whole server lost — and starts them again after `downMs`. */
  async killAllAndRestart(downMs = 0): Promise<{ downMs: number }> {
    const killedAt = Date.now();
    await Promise.all(TEMPORAL_SERVICES.map((s) => this.services[s].kill('SIGKILL')));
    for (const service of TEMPORAL_SERVICES) this.kills[service] += 1;
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.start();
    return { downMs: Date.now() - killedAt };
  }

  async stop(): Promise<void> {
    // The frontend first, so that clients see it go before the services behind it.
    for (const service of [...TEMPORAL_SERVICES].reverse()) await this.services[service].stop();
  }
}

/** True once something accepts TCP connections on the loopback port. */
export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
