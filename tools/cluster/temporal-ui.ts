import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { findFreePort } from '../../src/observability/free-port';
import { codecProcess } from './app-processes';
import { sha256Hex, type ProductionCluster } from './cluster';
import { ManagedProcess } from './managed-process';
import { clusterBinaries } from './paths';
import { FRONTEND_TLS_NAME } from './tls';

export interface ClusterUi {
  /** Temporal UI's origin, as the browser opens it. */
  uiUrl: string;
  /** The codec endpoint's origin (its routes are under /codec). */
  codecUrl: string;
  /** The operators' codec token (the endpoint has only its digest). */
  codecToken: string;
  ui: ManagedProcess;
  codec: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * What docker-compose.yml gives its `temporal-ui` service, for a UI at `uiUrl` in front of the
 * frontend at `address`, calling the codec endpoint at `codecUrl` with the browser's credentials
 * (the operator's sign-in cookie). The UI's server reaches the frontend with its own certificate
 * and checks the frontend's against the clients' authority, by the name the certificate carries.
 */
export function temporalUiEnvironment(s: {
  address: string;
  namespace: string;
  uiUrl: string;
  codecUrl: string;
  tls: { caFile: string; certFile: string; keyFile: string };
}): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: s.address,
    TEMPORAL_TLS_CA: s.tls.caFile,
    TEMPORAL_TLS_CERT: s.tls.certFile,
    TEMPORAL_TLS_KEY: s.tls.keyFile,
    // Off by default in the UI server, which would then accept any certificate.
    TEMPORAL_TLS_ENABLE_HOST_VERIFICATION: 'true',
    TEMPORAL_TLS_SERVER_NAME: FRONTEND_TLS_NAME,
    TEMPORAL_DEFAULT_NAMESPACE: s.namespace,
    TEMPORAL_UI_PORT: new URL(s.uiUrl).port,
    TEMPORAL_CORS_ORIGINS: s.uiUrl,
    TEMPORAL_CODEC_ENDPOINT: `${s.codecUrl}/codec`,
    TEMPORAL_CODEC_INCLUDE_CREDENTIALS: 'true',
  };
}

/** What docker-compose.yml gives its `codec` service (but the host and port). */
export function codecEnvironment(s: {
  codecUrl: string;
  uiUrl: string;
  codecToken: string;
  payloadKeysFile: string;
}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    CODEC_HOST: new URL(s.codecUrl).hostname,
    CODEC_PORT: new URL(s.codecUrl).port,
    CODEC_AUTH_TOKEN_HASHES: sha256Hex(s.codecToken),
    CODEC_CORS_ORIGINS: s.uiUrl,
    CODEC_ALLOW_UNAUTHENTICATED: 'false',
    PAYLOAD_ENCRYPTION_KEYS_FILE: s.payloadKeysFile,
    PAYLOAD_ENCRYPTION_REQUIRED: 'false',
  };
}

/**
 * Temporal UI (the UI server built from the pinned ui-server module, with the temporalio/ui
 * image's own configuration file) and the codec endpoint (`hotdocs-temporal codec-server`) for a
 * running cluster, each configured only by the variables docker-compose.yml gives its `temporal-ui`
 * and `codec` services: the UI calls the codec endpoint with the browser's credentials, and the
 * endpoint takes the operator's sign-in cookie (or the CLI's bearer token).
 */
export async function startClusterUi(cluster: ProductionCluster): Promise<ClusterUi> {
  const binaries = clusterBinaries();
  const uiPort = await findFreePort();
  const codecPort = await findFreePort();
  const uiUrl = `http://127.0.0.1:${uiPort}`;
  const codecUrl = `http://127.0.0.1:${codecPort}`;
  const codecToken = randomBytes(32).toString('hex');
  const base = { PATH: process.env['PATH'], HOME: process.env['HOME'] };

  const codec = codecProcess(
    {
      ...base,
      ...codecEnvironment({ codecUrl, uiUrl, codecToken, payloadKeysFile: cluster.secrets.payloadKeysFile }),
    },
    codecUrl,
    cluster.logDir,
  );
  const ui = new ManagedProcess({
    name: 'temporal-ui',
    command: binaries.uiServer,
    args: ['--root', binaries.uiRoot, '--env', 'docker', 'start'],
    env: {
      ...base,
      ...temporalUiEnvironment({
        address: cluster.address,
        namespace: cluster.namespace,
        uiUrl,
        codecUrl,
        tls: {
          caFile: cluster.secrets.tls.caFile,
          certFile: cluster.secrets.tls.certFile('ui'),
          keyFile: cluster.secrets.tls.keyFile('ui'),
        },
      }),
    },
    cwd: binaries.uiRoot,
    logFile: path.join(cluster.logDir, 'temporal-ui.log'),
    ready: async () => (await fetch(uiUrl, { signal: AbortSignal.timeout(2_000) })).ok,
  });
  await codec.start();
  try {
    await ui.start();
  } catch (error) {
    await codec.stop();
    throw error;
  }
  return {
    uiUrl,
    codecUrl,
    codecToken,
    ui,
    codec,
    async stop() {
      await ui.stop();
      await codec.stop();
    },
  };
}
