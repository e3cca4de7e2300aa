import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { findFreePort } from '../../src/observability/free-port';

/**
 * Real object-store servers for the store tests, one per test file: versitygw (S3 protocol) and
 * Azurite (Azure Blob Storage), at the versions pinned in tools/object-stores/versions.env. Each
 * runs on a free loopback port with its data in a fresh temporary folder and its own random
 * credentials, and is stopped (folder removed) by `stop()` — or, at the latest, when the test
 * process exits. A server not installed yet is installed first (tools/object-stores/install.sh),
 * as the jest global setup does for the Temporal binaries.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const INSTALL_SCRIPT = path.join(ROOT, 'tools', 'object-stores', 'install.sh');
const TOOLS = path.join(ROOT, '.tools', 'object-stores');

function pinnedVersions(): Record<string, string> {
  const text = readFileSync(path.join(ROOT, 'tools', 'object-stores', 'versions.env'), 'utf8');
  return Object.fromEntries(
    [...text.matchAll(/^([A-Z_]+)=(\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]),
  );
}

/** The server's entry point, installing it when missing (minutes the first time for versitygw). */
export function ensureInstalled(server: 'versitygw' | 'azurite'): string {
  const versions = pinnedVersions();
  const entry =
    server === 'versitygw'
      ? path.join(TOOLS, `versitygw-${versions['VERSITYGW_VERSION']}`, 'versitygw')
      : path.join(
          TOOLS,
          `azurite-${versions['AZURITE_VERSION']}`,
          'node_modules',
          'azurite',
          'dist',
          'src',
          'blob',
          'main.js',
        );
  if (!existsSync(entry)) {
    const result = spawnSync('bash', [INSTALL_SCRIPT, server], { encoding: 'utf8', stdio: 'pipe' });
    if (result.status !== 0 || !existsSync(entry)) {
      throw new Error(
        `${server} is not installed and bash tools/object-stores/install.sh ${server} failed:\n${result.stderr}`,
      );
    }
  }
  return entry;
}

/** A started server process: its output is kept for error messages; stopped on exit at the latest. */
export class ServerProcess {
  private output = '';
  private readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    private readonly dataDir: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => this.keep(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.keep(chunk));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    process.once('exit', this.killOnExit);
  }

  /** Resolves once `url` answers over HTTP at all (any status); fails with the server's output. */
  async waitUntilServing(url: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child.exitCode !== null)
        throw new Error(`${this.name} exited with code ${this.child.exitCode}:\n${this.output}`);
      try {
        await fetch(url, { signal: AbortSignal.timeout(1_000) });
        return;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`${this.name} did not serve ${url} in time:\n${this.output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  async stop(): Promise<void> {
    process.removeListener('exit', this.killOnExit);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const killed = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await this.exited;
      clearTimeout(killed);
    }
    await rm(this.dataDir, { recursive: true, force: true });
  }

  private keep(chunk: Buffer): void {
    this.output = (this.output + chunk.toString('utf8')).slice(-8_000);
  }

  private readonly killOnExit = (): void => {
    this.child.kill('SIGKILL');
  };
}

export interface RunningS3Server {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

/** A client with the server's root credentials, for a test's own set-up and checks. */
export function s3AdminClient(server: RunningS3Server): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
}

/** Creates a bucket with the server's root credentials. */
export async function createS3Bucket(server: RunningS3Server, bucket: string): Promise<void> {
  const admin = s3AdminClient(server);
  try {
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    admin.destroy();
  }
}

/**
 * versitygw serving a fresh folder over the S3 protocol, with bucket versioning available (so that
 * tests can count versions).
 */
export async function startVersityGw(): Promise<RunningS3Server> {
  const binary = ensureInstalled('versitygw');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hotdocs-versitygw-'));
  const port = await findFreePort();
  await mkdir(path.join(dataDir, 'buckets'));
  await mkdir(path.join(dataDir, 'versions'));
  const accessKeyId = `test${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(20).toString('hex');
  const child = spawn(
    binary,
    [
      '--port',
      `127.0.0.1:${port}`,
      '--health',
      '/health',
      'posix',
      '--versioning-dir',
      path.join(dataDir, 'versions'),
      path.join(dataDir, 'buckets'),
    ],
    {
      // The root credentials through the environment, not the command line (ps shows that).
      env: { ...process.env, ROOT_ACCESS_KEY_ID: accessKeyId, ROOT_SECRET_ACCESS_KEY: secretAccessKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const server = new ServerProcess('versitygw', child, dataDir);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await server.waitUntilServing(`${endpoint}/health`);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { endpoint, region: 'us-east-1', accessKeyId, secretAccessKey, stop: () => server.stop() };
}

export interface RunningAzurite {
  accountName: string;
  accountKey: string;
  /** The account's blob endpoint: http://127.0.0.1:<port>/<account> */
  blobEndpoint: string;
  connectionString: string;
  stop(): Promise<void>;
}

/** Azurite's blob service with its own account (not the well-known development one). */
export async function startAzurite(): Promise<RunningAzurite> {
  const entry = ensureInstalled('azurite');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hotdocs-azurite-'));
  const port = await findFreePort();
  const accountName = `hotdocs${randomBytes(3).toString('hex')}`;
  const accountKey = randomBytes(64).toString('base64');
  const child = spawn(
    process.execPath,
    [
      entry,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--location',
      dataDir,
      '--silent',
      '--disableTelemetry',
      // The account is the first path segment (the emulator style), whatever the host name.
      '--disableProductStyleUrl',
      // Azurite 3.35 (the last for Node 20) knows API versions up to 2025-11-05; the SDK speaks a
      // newer one for the same operations.
      '--skipApiVersionCheck',
    ],
    {
      env: { ...process.env, AZURITE_ACCOUNTS: `${accountName}:${accountKey}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const server = new ServerProcess('azurite', child, dataDir);
  const blobEndpoint = `http://127.0.0.1:${port}/${accountName}`;
  try {
    await server.waitUntilServing(`${blobEndpoint}?comp=properties&restype=service`);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    accountName,
    accountKey,
    blobEndpoint,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${accountName};AccountKey=${accountKey};` +
      `BlobEndpoint=${blobEndpoint};`,
    stop: () => server.stop(),
  };
}
