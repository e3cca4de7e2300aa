import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import type { EphemeralServerExecutable } from '@temporalio/testing';
import { TEMPORAL_TOOLS_DIR } from './project-paths';

/**
 * Where a Temporal binary was found. `download` means none was found locally and the SDK may
 * fetch one from temporal.download — only useful for developers who are online.
 */
export type ResolvedTemporalBinary =
  { source: 'env' | 'path' | 'tools'; path: string } | { source: 'download'; path?: undefined };

export interface TemporalBinaryLookupOptions {
  /** Environment to read the override variable and PATH from; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The project's tools folder; defaults to `<repo>/.tools`. */
  toolsDir?: string;
}

interface TemporalBinaryKind {
  /** Environment variable that names the binary explicitly and wins over everything else. */
  envVar: string;
  /** File name looked up on PATH. */
  executableName: string;
  /** Location inside the tools folder, as laid out by tools/install-temporal-tools.sh. */
  toolsSubdir: string;
}

const EXECUTABLE_SUFFIX = process.platform === 'win32' ? '.exe' : '';

const TEMPORAL_CLI: TemporalBinaryKind = {
  envVar: 'TEMPORAL_CLI_PATH',
  executableName: `temporal${EXECUTABLE_SUFFIX}`,
  toolsSubdir: 'temporal-cli',
};

const TEMPORAL_TEST_SERVER: TemporalBinaryKind = {
  envVar: 'TEMPORAL_TEST_SERVER_PATH',
  executableName: `temporal-test-server${EXECUTABLE_SUFFIX}`,
  toolsSubdir: 'temporal-test-server',
};

/** The `temporal` CLI, whose `server start-dev` is the dev server used by tests and `npm run dev`. */
export function resolveTemporalCli(options: TemporalBinaryLookupOptions = {}): ResolvedTemporalBinary {
  return resolveTemporalBinary(TEMPORAL_CLI, options);
}

/** The time-skipping test server, for timer-heavy tests (deadlines, reminders). */
export function resolveTemporalTestServer(options: TemporalBinaryLookupOptions = {}): ResolvedTemporalBinary {
  return resolveTemporalBinary(TEMPORAL_TEST_SERVER, options);
}

/**
 * The `executable` option of `@temporalio/testing`. A local binary always wins: the SDK's own
 * download needs the internet and its cached copy expires after a day.
 */
export function toEphemeralServerExecutable(resolved: ResolvedTemporalBinary): EphemeralServerExecutable {
  return resolved.source === 'download'
    ? { type: 'cached-download' }
    : { type: 'existing-path', path: resolved.path };
}

/** Order: explicit environment variable → PATH → the project's tools folder → SDK download. */
function resolveTemporalBinary(
  kind: TemporalBinaryKind,
  { env = process.env, toolsDir = TEMPORAL_TOOLS_DIR }: TemporalBinaryLookupOptions,
): ResolvedTemporalBinary {
  const fromEnv = env[kind.envVar];
  if (fromEnv !== undefined && fromEnv !== '') {
    const explicitPath = path.resolve(fromEnv);
    // A wrong explicit setting must not silently fall through to another binary.
    if (!isFile(explicitPath)) {
      throw new Error(`${kind.envVar} points at ${explicitPath}, which does not exist or is not a file`);
    }
    if (!isExecutable(explicitPath)) {
      throw new Error(`${kind.envVar} points at ${explicitPath}, which is not executable`);
    }
    return { source: 'env', path: explicitPath };
  }

  const onPath = findOnPath(kind.executableName, env.PATH);
  if (onPath !== undefined) return { source: 'path', path: onPath };

  const inTools = path.join(toolsDir, kind.toolsSubdir, 'bin', kind.executableName);
  if (isExecutableFile(inTools)) return { source: 'tools', path: inTools };

  return { source: 'download' };
}

function findOnPath(executableName: string, searchPath: string | undefined): string | undefined {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    // An empty PATH entry means the current directory; never pick up a stray binary from there.
    if (dir === '') continue;
    const candidate = path.resolve(dir, executableName);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(file: string): boolean {
  return isFile(file) && isExecutable(file);
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
