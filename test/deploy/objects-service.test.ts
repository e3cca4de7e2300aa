import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'yaml';
import { loadDocumentStoreConfig } from '../../src/config';
import { createDocumentStore } from '../../src/documents/create-store';
import { findFreePort } from '../../src/observability/free-port';
import { ensureInstalled, ServerProcess } from '../support/object-store-servers';

/**
 * The compose stack's `objects` service without Docker: its entry point
 * (deploy/objects/start-versitygw.sh) run with the versitygw release the image carries, given the
 * environment docker-compose.yml gives it, and the worker's store settings from the same file
 * pointed at it. What only `docker compose up` can show (the image, the volume) is not covered.
 */

const ROOT = path.resolve(__dirname, '..', '..');

interface Service {
  environment?: Record<string, string>;
}
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};

/** A service's environment with compose's defaults filled in (no .env). */
function composeEnv(name: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(compose.services[name]?.environment ?? {}).map(([key, value]) => [
      key,
      String(value).replace(
        /\$\{[A-Za-z0-9_]+(?::?-([^}]*))?\}/g,
        (_m, fallback: string | undefined) => fallback ?? '',
      ),
    ]),
  );
}

/** The document store a service's compose settings make, pointed at a server on this host. */
function storeOf(name: string, port: number, secrets: string) {
  const env = Object.fromEntries(
    Object.entries(composeEnv(name))
      .filter(([key]) => key.startsWith('DOCUMENT_STORE'))
      .map(([key, value]) => [key, value.replace('/run/secrets', secrets)]),
  );
  env['DOCUMENT_STORE_S3_ENDPOINT'] = `http://127.0.0.1:${port}`;
  const problems: string[] = [];
  const store = createDocumentStore(loadDocumentStoreConfig(env, problems));
  expect(problems).toEqual([]);
  return store;
}

test('the objects service serves the bucket the worker is configured for, with the key from its secret file', async () => {
  const binary = ensureInstalled('versitygw');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hotdocs-objects-'));
  const secrets = path.join(dir, 'secrets');
  await mkdir(secrets);
  const secretKey = randomBytes(32).toString('hex');
  await writeFile(path.join(secrets, 'document_store_secret_key'), `${secretKey}\n`);
  const port = await findFreePort();

  const objects = composeEnv('objects');
  const child = spawn('sh', [path.join(ROOT, 'deploy', 'objects', 'start-versitygw.sh')], {
    env: {
      PATH: `${path.dirname(binary)}:${process.env['PATH'] ?? ''}`,
      ...objects,
      ROOT_SECRET_ACCESS_KEY_FILE: objects['ROOT_SECRET_ACCESS_KEY_FILE']?.replace('/run/secrets', secrets),
      VGW_PORT: `127.0.0.1:${port}`,
      DOCUMENT_DATA_DIR: path.join(dir, 'data'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = new ServerProcess('objects entry point', child, dir);
  try {
    await server.waitUntilServing(`http://127.0.0.1:${port}/health`);
    // The secret reached versitygw through its environment, never its command line.
    const commandLine = await readFile(`/proc/${child.pid}/cmdline`, 'utf8');
    expect(commandLine).toContain('versitygw');
    expect(commandLine).not.toContain(secretKey);

    const store = storeOf('worker', port, secrets);
    try {
      expect(await store.check()).toEqual({});
      const stored = await store.put(
        { workItemId: 'w', versionId: 'v', documentId: 'd', fileName: 'Lease.pdf' },
        Readable.from([Buffer.from('%PDF-1.7 compose')]),
        { contentType: 'application/pdf' },
      );
      expect(stored.reference).toBe('s3://documents/w/v/d-Lease.pdf');
      expect((await store.head(stored.reference)).size).toBe(16);
      // Signed links name the address browsers use, as compose configures it.
      expect(await store.presign?.(stored.reference, 60)).toMatch(
        /^http:\/\/localhost:7070\/documents\/w\/v\/d-Lease\.pdf\?/,
      );
    } finally {
      await store.close();
    }
  } finally {
    await server.stop();
  }
});

test('the gateway reads through objects-read with its own key: the documents the worker stored, and no write', async () => {
  const binary = ensureInstalled('versitygw');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hotdocs-objects-read-'));
  const secrets = path.join(dir, 'secrets');
  await mkdir(secrets);
  await writeFile(path.join(secrets, 'document_store_secret_key'), `${randomBytes(32).toString('hex')}\n`);
  await writeFile(
    path.join(secrets, 'document_store_read_secret_key'),
    `${randomBytes(32).toString('hex')}\n`,
  );
  // Both services over one volume, each with the environment compose gives it.
  const start = async (name: string) => {
    const port = await findFreePort();
    const environment = composeEnv(name);
    const child = spawn('sh', [path.join(ROOT, 'deploy', 'objects', 'start-versitygw.sh')], {
      env: {
        PATH: `${path.dirname(binary)}:${process.env['PATH'] ?? ''}`,
        ...environment,
        ROOT_SECRET_ACCESS_KEY_FILE: environment['ROOT_SECRET_ACCESS_KEY_FILE']?.replace(
          '/run/secrets',
          secrets,
        ),
        VGW_PORT: `127.0.0.1:${port}`,
        DOCUMENT_DATA_DIR: path.join(dir, 'data'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(name, child, dir);
    await server.waitUntilServing(`http://127.0.0.1:${port}/health`);
    return { server, port };
  };
  const objects = await start('objects');
  const reader = await start('objects-read').catch(async (error: unknown) => {
    await objects.server.stop();
    throw error;
  });
  const worker = storeOf('worker', objects.port, secrets);
  const gateway = storeOf('gateway', reader.port, secrets);
  try {
    const stored = await worker.put(
      { workItemId: 'w', versionId: 'v', documentId: 'd', fileName: 'Lease.pdf' },
      Readable.from([Buffer.from('%PDF-1.7 compose')]),
      { contentType: 'application/pdf' },
    );
    expect(await gateway.check()).toEqual({});
    expect((await gateway.head(stored.reference)).size).toBe(16);
    // The worker's key does not work against objects-read, nor the gateway's against objects.
    await expect(storeOf('worker', reader.port, secrets).head(stored.reference)).rejects.toThrow();
    await expect(storeOf('gateway', objects.port, secrets).head(stored.reference)).rejects.toThrow();
    // Whatever the gateway's key is given to do, objects-read writes nothing.
    await expect(
      gateway.put(
        { workItemId: 'w', versionId: 'v', documentId: 'e', fileName: 'Forged.pdf' },
        Readable.from([Buffer.from('forged')]),
        { contentType: 'application/pdf' },
      ),
    ).rejects.toThrow();
    await expect(worker.head('s3://documents/w/v/e-Forged.pdf')).rejects.toThrow();
    expect(await gateway.presign?.(stored.reference, 60)).toMatch(
      /^http:\/\/localhost:7071\/documents\/w\/v\/d-Lease\.pdf\?/,
    );
  } finally {
    await worker.close();
    await gateway.close();
    await reader.server.stop();
    await objects.server.stop();
  }
});
