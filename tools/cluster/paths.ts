import path from 'node:path';
import { readPinnedTemporalToolVersions } from '../../tools/temporal/temporal-tool-versions';

/** The repository root, seen from tools/cluster/. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * The files of deploy/ that docker-compose.yml mounts and the production test runs on the host:
 * one configuration and one set of scripts for both.
 */
export const CLUSTER_FILES = {
  serverConfig: path.join(REPO_ROOT, 'deploy', 'temporal', 'config', 'temporal-server.yaml'),
  dynamicConfig: path.join(REPO_ROOT, 'deploy', 'temporal', 'dynamicconfig', 'docker.yaml'),
  startServerScript: path.join(REPO_ROOT, 'deploy', 'temporal', 'scripts', 'start-server.sh'),
  setupSchemaScript: path.join(REPO_ROOT, 'deploy', 'temporal', 'scripts', 'setup-schema.sh'),
  setupNamespaceScript: path.join(REPO_ROOT, 'deploy', 'temporal', 'scripts', 'setup-namespace.sh'),
  createCertificatesScript: path.join(REPO_ROOT, 'deploy', 'create-certificates.sh'),
  installScript: path.join(REPO_ROOT, 'tools', 'cluster', 'install.sh'),
} as const;

/** Where tools/cluster/install.sh puts the builds of the pinned versions. */
export function clusterBinaries() {
  const versions = readPinnedTemporalToolVersions();
  const serverDir = path.join(REPO_ROOT, '.tools', `temporal-server-${versions.server}`);
  const uiDir = path.join(REPO_ROOT, '.tools', `temporal-ui-${versions.uiServer}`);
  return {
    versions: { server: versions.server, uiServer: versions.uiServer },
    temporalServer: path.join(serverDir, 'bin', 'temporal-server'),
    sqlTool: path.join(serverDir, 'bin', 'temporal-sql-tool'),
    /** The PostgreSQL schema files of the server's module: `temporal/` and `visibility/`. */
    schemaRoot: path.join(serverDir, 'schema', 'postgresql', 'v12'),
    uiServer: path.join(uiDir, 'bin', 'temporal-ui-server'),
    /** `--root` of the UI server: `config/docker.yaml` is the temporalio/ui image's own configuration. */
    uiRoot: uiDir,
  };
}
