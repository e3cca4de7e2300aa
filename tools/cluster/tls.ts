import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ConnectionOptions } from '@temporalio/client';
import { loadTemporalConnection } from '../../src/config';
import { CLUSTER_FILES } from './paths';

/** Who connects to the frontend, each with a certificate of its own (deploy/create-certificates.sh). */
export const CLIENT_IDENTITIES = ['worker', 'gateway', 'ui', 'operator'] as const;
export type ClientIdentity = (typeof CLIENT_IDENTITIES)[number];

/**
 * The run's certificates, made by deploy/create-certificates.sh as `deploy/create-secrets.sh`
 * makes them for compose, with the same file names (the compose secrets' names).
 */
export interface ClusterTls {
  dir: string;
  /** The clients' authority: clients verify the frontend with it; the frontend accepts what it signed. */
  caFile: string;
  /** The internode authority: only the server's services trust it. */
  internodeCaFile: string;
  frontendCertFile: string;
  frontendKeyFile: string;
  internodeCertFile: string;
  internodeKeyFile: string;
  certFile(identity: ClientIdentity): string;
  keyFile(identity: ClientIdentity): string;
}

/** Runs deploy/create-certificates.sh into `dir`, as compose's secrets are made. */
export async function createClusterCertificates(dir: string): Promise<ClusterTls> {
  await promisify(execFile)('bash', [CLUSTER_FILES.createCertificatesScript, '--dir', dir], {
    env: { PATH: process.env['PATH'] },
  });
  const file = (name: string): string => path.join(dir, name);
  return {
    dir,
    caFile: file('tls_ca'),
    internodeCaFile: file('tls_internode_ca'),
    frontendCertFile: file('tls_frontend_cert'),
    frontendKeyFile: file('tls_frontend_key'),
    internodeCertFile: file('tls_internode_cert'),
    internodeKeyFile: file('tls_internode_key'),
    certFile: (identity) => file(`tls_${identity}_cert`),
    keyFile: (identity) => file(`tls_${identity}_key`),
  };
}

/** The name the frontend's certificate is checked for: compose's clients dial `temporal:7233`. */
export const FRONTEND_TLS_NAME = 'temporal';

/**
 * The `TEMPORAL_TLS_*` variables a client process reads through `@temporalio/envconfig` (the
 * `temporal` CLI reads the same): the clients' authority and the identity's own certificate. The
 * frontend is dialled by its loopback address here and checked for the name compose's clients use.
 */
export function temporalClientTlsEnv(tls: ClusterTls, identity: ClientIdentity): Record<string, string> {
  return {
    TEMPORAL_TLS_SERVER_NAME: FRONTEND_TLS_NAME,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: tls.caFile,
    TEMPORAL_TLS_CLIENT_CERT_PATH: tls.certFile(identity),
    TEMPORAL_TLS_CLIENT_KEY_PATH: tls.keyFile(identity),
  };
}

/** Connection options for a client in this process, read as the products read theirs. */
export function clientConnectionOptions(
  tls: ClusterTls,
  identity: ClientIdentity,
  address: string,
): ConnectionOptions {
  return loadTemporalConnection({ TEMPORAL_ADDRESS: address, ...temporalClientTlsEnv(tls, identity) })
    .connectionOptions;
}
