import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  resolveTemporalCli,
  resolveTemporalTestServer,
  toEphemeralServerExecutable,
} from '../../tools/temporal/temporal-binaries';

// The resolver only looks at files, PATH and env vars: fake executables in temp folders cover it.
describe('Temporal binary resolution', () => {
  let root: string;
  let toolsDir: string;
  let emptyToolsDir: string;

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'temporal-binaries-'));
    toolsDir = path.join(root, 'tools');
    emptyToolsDir = path.join(root, 'no-tools');
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  function fakeBinary(file: string, mode = 0o755): string {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '#!/bin/sh\n');
    chmodSync(file, mode);
    return file;
  }

  it('prefers TEMPORAL_CLI_PATH over PATH and the tools folder', () => {
    const explicit = fakeBinary(path.join(root, 'explicit', 'my-temporal'));
    const pathDir = path.join(root, 'bin');
    fakeBinary(path.join(pathDir, 'temporal'));
    fakeBinary(path.join(toolsDir, 'temporal-cli', 'bin', 'temporal'));

    expect(resolveTemporalCli({ env: { TEMPORAL_CLI_PATH: explicit, PATH: pathDir }, toolsDir })).toEqual({
      source: 'env',
      path: explicit,
    });
  });

  it('prefers TEMPORAL_TEST_SERVER_PATH for the test server', () => {
    const explicit = fakeBinary(path.join(root, 'explicit', 'test-server'));
    fakeBinary(path.join(toolsDir, 'temporal-test-server', 'bin', 'temporal-test-server'));

    expect(resolveTemporalTestServer({ env: { TEMPORAL_TEST_SERVER_PATH: explicit }, toolsDir })).toEqual({
      source: 'env',
      path: explicit,
    });
  });

  it('rejects an env var that points at a missing file, naming the variable', () => {
    const missing = path.join(root, 'nowhere', 'temporal');
    fakeBinary(path.join(toolsDir, 'temporal-cli', 'bin', 'temporal'));

    expect(() => resolveTemporalCli({ env: { TEMPORAL_CLI_PATH: missing }, toolsDir })).toThrow(
      /TEMPORAL_CLI_PATH points at .*nowhere\/temporal, which does not exist/,
    );
    expect(() =>
      resolveTemporalTestServer({ env: { TEMPORAL_TEST_SERVER_PATH: missing }, toolsDir }),
    ).toThrow(/TEMPORAL_TEST_SERVER_PATH/);
  });

  it('rejects an env var that points at a file that cannot be executed', () => {
    const notExecutable = fakeBinary(path.join(root, 'temporal'), 0o644);

    expect(() =>
      resolveTemporalCli({ env: { TEMPORAL_CLI_PATH: notExecutable }, toolsDir: emptyToolsDir }),
    ).toThrow(/TEMPORAL_CLI_PATH .* not executable/);
  });

  it('finds the binary on PATH, skipping entries without an executable one', () => {
    const withoutBinary = path.join(root, 'empty');
    mkdirSync(withoutBinary);
    const notExecutableDir = path.join(root, 'not-executable');
    fakeBinary(path.join(notExecutableDir, 'temporal'), 0o644);
    const pathDir = path.join(root, 'bin');
    const onPath = fakeBinary(path.join(pathDir, 'temporal'));
    fakeBinary(path.join(toolsDir, 'temporal-cli', 'bin', 'temporal'));

    const PATH = [withoutBinary, notExecutableDir, pathDir].join(path.delimiter);
    expect(resolveTemporalCli({ env: { PATH }, toolsDir })).toEqual({ source: 'path', path: onPath });
  });

  it('falls back to the tools folder when nothing is on PATH', () => {
    const cli = fakeBinary(path.join(toolsDir, 'temporal-cli', 'bin', 'temporal'));
    const testServer = fakeBinary(path.join(toolsDir, 'temporal-test-server', 'bin', 'temporal-test-server'));
    const env = { PATH: path.join(root, 'empty') };

    expect(resolveTemporalCli({ env, toolsDir })).toEqual({ source: 'tools', path: cli });
    expect(resolveTemporalTestServer({ env, toolsDir })).toEqual({ source: 'tools', path: testServer });
  });

  it('treats an empty env var as unset', () => {
    const cli = fakeBinary(path.join(toolsDir, 'temporal-cli', 'bin', 'temporal'));

    expect(resolveTemporalCli({ env: { TEMPORAL_CLI_PATH: '' }, toolsDir })).toEqual({
      source: 'tools',
      path: cli,
    });
  });

  it('leaves the download to the SDK when no binary exists anywhere', () => {
    const resolved = resolveTemporalTestServer({ env: { PATH: '' }, toolsDir: emptyToolsDir });

    expect(resolved).toEqual({ source: 'download' });
    expect(toEphemeralServerExecutable(resolved)).toEqual({ type: 'cached-download' });
  });

  it('turns a local binary into an existing-path executable', () => {
    expect(toEphemeralServerExecutable({ source: 'tools', path: '/opt/temporal' })).toEqual({
      type: 'existing-path',
      path: '/opt/temporal',
    });
  });
});
