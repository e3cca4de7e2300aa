import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { documentPath } from '../../src/documents/document-layout';
import {
  DocumentStoreError,
  type DocumentKey,
  type DocumentStore,
  type DocumentStoreErrorCode,
} from '../../src/documents/document-store';
import { loadDocumentStoreConfig } from '../../src/config';
import { createDocumentStore } from '../../src/documents/create-store';
import { spawnChild, typeScriptProcess } from '../../tools/process/child-process';
import { eventually } from './eventually';

/**
 * The behaviour every document store must have, run once per store against a real server
 * (filesystem, versitygw for s3, Azurite for azure-blob). A test file supplies the store under
 * test; every test gets a store on a fresh prefix / directory so that listings are its own.
 */

export interface StoreFixture {
  store: DocumentStore;
  /**
   * Everything the fixture's store holds, by name relative to its prefix: documents, and whatever
   * a failed upload could leave (incoming objects, unfinished multipart uploads, object versions,
   * partial files). Not the store's own bookkeeping (the filesystem sidecars).
   */
  listObjects(): Promise<string[]>;
  /** Changes whenever the document is written again: a version id, an ETag, an inode and mtime. */
  writeIdentity(reference: string): Promise<string>;
  /** The environment that configures this very store (DOCUMENT_STORE=…), for a child process. */
  env: Record<string, string>;
}

export interface StoreUnderTest {
  /** A store on a fresh, empty prefix or directory. */
  fresh(): Promise<StoreFixture>;
  /** A store configured for a bucket / container / directory that does not exist or cannot be made. */
  missingContainer(): Promise<DocumentStore>;
  /** The variable a missing bucket / container / directory is fixed with. */
  containerVariable: string;
  stop(): Promise<void>;
}

const MiB = 1024 * 1024;

function keyFor(name: string, fileName = `${name}.pdf`): DocumentKey {
  return {
    workItemId: '7d9c2f4e-1b3a-4c5d-8e6f-0a1b2c3d4e5f',
    versionId: '2b8e4a6c-9d1f-4e3a-b5c7-d9e1f3a5b7c9',
    documentId: `${name}-0c1d2e3f`,
    fileName,
  };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The bytes in 64 KiB chunks, as a download arrives. */
function streamOf(data: Buffer): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= data.length) {
        this.push(null);
        return;
      }
      const end = Math.min(offset + 64 * 1024, data.length);
      this.push(data.subarray(offset, end));
      offset = end;
    },
  });
}

/** A download that breaks after `failAfter` bytes (a connection reset). */
function interruptedStream(data: Buffer, failAfter: number): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= failAfter) {
        this.destroy(new Error('connection reset while downloading from Advance'));
        return;
      }
      const end = Math.min(offset + 64 * 1024, failAfter);
      this.push(data.subarray(offset, end));
      offset = end;
    },
  });
}

/** A store built the way the worker builds it: from environment variables. */
export async function storeFromEnv(env: Record<string, string>): Promise<DocumentStore> {
  const problems: string[] = [];
  const config = loadDocumentStoreConfig(env, problems);
  expect(problems).toEqual([]);
  return createDocumentStore(config);
}

async function collect(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function storeError(promise: Promise<unknown>): Promise<DocumentStoreError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DocumentStoreError) return error;
    throw error;
  }
  throw new Error('expected a DocumentStoreError, but the call succeeded');
}

async function expectCode(
  promise: Promise<unknown>,
  code: DocumentStoreErrorCode,
): Promise<DocumentStoreError> {
  const error = await storeError(promise);
  expect(error.code).toBe(code);
  return error;
}

interface ProbeResult {
  size: number;
  sourceSha256: string;
  storedSha256: string;
  readBackSha256: string;
  putPeakGrowth: number;
  getPeakGrowth: number;
}

/** Runs test/support/store-memory-probe.ts in a child process configured like a worker. */
async function runMemoryProbe(env: Record<string, string>, sizeBytes: number): Promise<ProbeResult> {
  const probe = path.join(__dirname, 'store-memory-probe.ts');
  const child = spawn(process.execPath, ['--expose-gc', '--require', 'tsx/cjs', probe], {
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      ...env,
      PROBE_SIZE_BYTES: String(sizeBytes),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`memory probe exited with ${code}:\n${stderr}`);
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as ProbeResult;
}

export function documentStoreContract(title: string, start: () => Promise<StoreUnderTest>): void {
  describe(`${title}: the document store contract`, () => {
    let subject: StoreUnderTest;
    const fixtures: StoreFixture[] = [];
    const fresh = async () => {
      const fixture = await subject.fresh();
      fixtures.push(fixture);
      return fixture;
    };

    beforeAll(async () => {
      subject = await start();
    }, 600_000);
    afterAll(async () => {
      await Promise.all(fixtures.map((f) => f.store.close()));
      await subject?.stop();
    });

    test('put streams a document in; head and get give back its bytes, size, checksum, type and name', async () => {
      const { store, listObjects } = await fresh();
      const data = randomBytes(300 * 1024);
      const key = keyFor('contract', 'Mietvertrag Müller & Söhne.docx');
      const stored = await store.put(key, streamOf(data), {
        contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      });
      expect(stored).toEqual({ reference: expect.any(String), size: data.length, sha256: sha256(data) });
      expect(await store.head(stored.reference)).toEqual({
        reference: stored.reference,
        size: data.length,
        sha256: sha256(data),
        contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        fileName: 'Mietvertrag Müller & Söhne.docx',
      });
      const content = await store.get(stored.reference);
      expect(content).toMatchObject({ size: data.length, sha256: sha256(data) });
      expect(content.range).toBeUndefined();
      expect((await collect(content.body)).equals(data)).toBe(true);
      expect(await listObjects()).toEqual([documentPath(key)]);
      expect(store.describe()).not.toMatch(/secret|AccountKey|password/i);
    });

    test('a retried put that finds the document stored throws an HTTP body away without ending the process', async () => {
      // The activity hands the store an undici response body (a download from Advance); one that is
      // destroyed unread emits an AbortError, which without a listener ends the worker process. In a
      // child process configured like a worker, so that such an error would show as its exit code.
      const { env } = await fresh();
      const handle = spawnChild({
        name: 'store retry probe',
        ...typeScriptProcess(path.join(__dirname, 'store-retry-probe.ts')),
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
      });
      expect(await handle.exited).toBe('exited with code 0');
      expect(JSON.parse(handle.output('stdout'))).toEqual({ same: true });
    });

    test('a retried put of the same key stores one document and does not write it again', async () => {
      const { store, listObjects, writeIdentity } = await fresh();
      const data = randomBytes(6 * MiB + 123);
      const key = keyFor('retried');
      const first = await store.put(key, streamOf(data), { contentType: 'application/pdf' });
      const identity = await writeIdentity(first.reference);

      // The activity's retry: the same document downloaded again, no checksum announced.
      const second = await store.put(key, streamOf(data), { contentType: 'application/pdf' });
      expect(second).toEqual(first);
      expect(await writeIdentity(first.reference)).toBe(identity);

      // With the checksum announced, a stored match is not even downloaded again.
      let read = false;
      const untouched = new Readable({
        read() {
          read = true;
          this.push(null);
        },
      });
      const third = await store.put(key, untouched, {
        contentType: 'application/pdf',
        expectedSha256: sha256(data),
      });
      expect(third).toEqual(first);
      expect(read).toBe(false);
      expect(untouched.destroyed).toBe(true);
      expect(await writeIdentity(first.reference)).toBe(identity);
      expect(await listObjects()).toEqual([documentPath(key)]);
    });

    test('an upload interrupted midway leaves nothing behind; the retry stores the whole document', async () => {
      const { store, listObjects } = await fresh();
      const data = randomBytes(13 * MiB);
      const key = keyFor('interrupted');
      await expect(
        store.put(key, interruptedStream(data, 11 * MiB), { contentType: 'application/pdf' }),
      ).rejects.toThrow('connection reset while downloading from Advance');
      expect(await listObjects()).toEqual([]);

      const retried = await store.put(key, streamOf(data), { contentType: 'application/pdf' });
      expect(retried).toMatchObject({ size: data.length, sha256: sha256(data) });
      expect((await collect((await store.get(retried.reference)).body)).equals(data)).toBe(true);
      expect(await listObjects()).toEqual([documentPath(key)]);
    });

    test('an announced checksum that does not match is detected and nothing is stored', async () => {
      const { store, listObjects, writeIdentity } = await fresh();
      const data = randomBytes(12 * MiB);
      const corrupted = Buffer.from(data);
      corrupted[7 * MiB] = (corrupted[7 * MiB]! + 1) % 256;

      // A new document: refused, nothing visible.
      const error = await expectCode(
        store.put(keyFor('new'), streamOf(corrupted), {
          contentType: 'application/pdf',
          expectedSha256: sha256(data),
        }),
        'checksum-mismatch',
      );
      expect(error.message).toContain(sha256(data));
      expect(error.message).toContain(sha256(corrupted));
      expect(await listObjects()).toEqual([]);

      // Over a good copy: the good copy stays as it was.
      const good = await store.put(keyFor('kept'), streamOf(data), { contentType: 'application/pdf' });
      const identity = await writeIdentity(good.reference);
      await expectCode(
        store.put(keyFor('kept'), streamOf(corrupted), {
          contentType: 'application/pdf',
          expectedSha256: sha256(Buffer.from('something else')),
        }),
        'checksum-mismatch',
      );
      expect(await writeIdentity(good.reference)).toBe(identity);
      expect((await store.head(good.reference)).sha256).toBe(sha256(data));
      expect(await listObjects()).toEqual([documentPath(keyFor('kept'))]);

      // An announced checksum that matches (in upper case, as some servers send it) is accepted.
      const checked = await store.put(keyFor('checked'), streamOf(data), {
        contentType: 'application/pdf',
        expectedSha256: sha256(data).toUpperCase(),
      });
      expect(checked.sha256).toBe(sha256(data));
    });

    test('a missing bucket / container gives a clear error naming the variable, at start-up and at put', async () => {
      const store = await subject.missingContainer();
      try {
        const atStart = await expectCode(store.check(), 'container-missing');
        expect(atStart.message).toContain(subject.containerVariable);
        const small = await expectCode(
          store.put(keyFor('small'), streamOf(randomBytes(1024)), { contentType: 'application/pdf' }),
          'container-missing',
        );
        expect(small.message).toContain(subject.containerVariable);
        const large = await expectCode(
          store.put(keyFor('large'), streamOf(randomBytes(11 * MiB)), { contentType: 'application/pdf' }),
          'container-missing',
        );
        expect(large.message).toContain(subject.containerVariable);
      } finally {
        await store.close();
      }
      expect(await (await fresh()).store.check()).toEqual({});
    });

    test('a ranged get returns exactly the requested bytes', async () => {
      const { store } = await fresh();
      const data = randomBytes(1_000_000);
      const { reference } = await store.put(keyFor('ranges'), streamOf(data), {
        contentType: 'application/pdf',
      });
      const cases: [{ start: number; end?: number }, { start: number; end: number }][] = [
        [
          { start: 0, end: 0 },
          { start: 0, end: 0 },
        ],
        [
          { start: 10, end: 19 },
          { start: 10, end: 19 },
        ],
        [
          { start: 654_321, end: 765_432 },
          { start: 654_321, end: 765_432 },
        ],
        [{ start: 999_990 }, { start: 999_990, end: 999_999 }],
        // An end past the last byte is cut to it, as HTTP does.
        [
          { start: 999_000, end: 5_000_000 },
          { start: 999_000, end: 999_999 },
        ],
      ];
      for (const [asked, served] of cases) {
        const content = await store.get(reference, asked);
        expect({ asked, range: content.range, size: content.size }).toEqual({
          asked,
          range: served,
          size: data.length,
        });
        const bytes = await collect(content.body);
        expect(bytes.equals(data.subarray(served.start, served.end + 1))).toBe(true);
      }
      await expectCode(store.get(reference, { start: 1_000_000 }), 'range-not-satisfiable');
      await expectCode(store.get(reference, { start: 20, end: 10 }), 'invalid-argument');
      await expectCode(store.get(reference, { start: -1 }), 'invalid-argument');
    });

    test('references of other stores, and paths outside this one, are refused; a missing document is not-found', async () => {
      const { store } = await fresh();
      const { reference } = await store.put(keyFor('mine'), streamOf(randomBytes(10)), {
        contentType: 'text/plain',
      });
      const foreign = [
        'file:///etc/passwd',
        's3://another-bucket/7d9c2f4e/2b8e4a6c/x-y.pdf',
        'azure-blob://someone/else/7d9c2f4e/2b8e4a6c/x-y.pdf',
        reference.replace(/\/[^/]+$/, '/../../../outside.pdf'),
        reference.replace(/\/[^/]+$/, ''),
        'https://example.com/document.pdf',
      ];
      for (const other of foreign) {
        await expectCode(store.head(other), 'foreign-reference');
        await expectCode(store.get(other), 'foreign-reference');
      }
      const missing = reference.replace(/\/[^/]+$/, '/never-stored.pdf');
      await expectCode(store.head(missing), 'not-found');
      await expectCode(store.get(missing), 'not-found');
    });

    test('a presigned URL, where the store can sign, fetches the document over HTTP and then expires', async () => {
      const { store } = await fresh();
      const data = randomBytes(200_000);
      const { reference } = await store.put(keyFor('signed', 'Lease.pdf'), streamOf(data), {
        contentType: 'application/pdf',
      });
      if (store.presign === undefined) {
        // Only the filesystem store cannot sign; the gateway streams its documents itself.
        expect(store.describe()).toMatch(/^filesystem /);
        return;
      }
      const url = await store.presign(reference, 300, 'Lease for Ann Müller.pdf');
      expect(url).toMatch(/^https?:\/\//);
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/pdf');
      expect(response.headers.get('content-disposition')).toContain(
        "filename*=UTF-8''Lease%20for%20Ann%20M%C3%BCller.pdf",
      );
      expect(Buffer.from(await response.arrayBuffer()).equals(data)).toBe(true);

      const ranged = await fetch(url, { headers: { range: 'bytes=100-199' } });
      expect(ranged.status).toBe(206);
      expect(Buffer.from(await ranged.arrayBuffer()).equals(data.subarray(100, 200))).toBe(true);

      // Tampering with the URL breaks the signature.
      const tampered = url.replace(/signed-0c1d2e3f/, 'ranges-0c1d2e3f');
      expect(tampered).not.toBe(url);
      expect((await fetch(tampered)).status).toBe(403);

      const shortLived = await store.presign(reference, 1);
      expect((await fetch(shortLived)).status).toBe(200);
      // The store's server judges expiry by its own clock: read until it refuses the URL.
      const refused = await eventually(
        async () => {
          const status = (await fetch(shortLived)).status;
          return status === 200 ? undefined : status;
        },
        { timeoutMs: 10_000, what: 'the one-second URL to expire' },
      );
      expect(refused).toBe(403);

      await expectCode(store.presign(reference, 0), 'invalid-argument');
      await expectCode(store.presign(reference, 8 * 24 * 3600), 'invalid-argument');
      await expectCode(store.presign('s3://elsewhere/a/b/c-d.pdf', 60), 'foreign-reference');
    });

    test('a 50 MB document streams in with the process RSS growing by less than 30 MB, and reads back whole', async () => {
      const { env } = await fresh();
      const size = 50 * MiB;
      const result = await runMemoryProbe(env, size);
      expect(result.size).toBe(size);
      expect(result.storedSha256).toBe(result.sourceSha256);
      expect(result.readBackSha256).toBe(result.sourceSha256);
      expect(result.putPeakGrowth).toBeLessThan(30 * MiB);
      // Reading back is not held to the figure: its chunks are allocated by the HTTP client (or
      // fs), and V8 frees them late; the printed figure shows where it stands.
      console.log(
        `${title}: 50 MiB put grew RSS by ${(result.putPeakGrowth / MiB).toFixed(1)} MiB ` +
          `(reading it back: ${(result.getPeakGrowth / MiB).toFixed(1)} MiB)`,
      );
    }, 120_000);
  });
}
