import { BlobServiceClient } from '@azure/storage-blob';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { documentStoreContract, storeFromEnv } from '../support/document-store-contract';
import { startAzurite, type RunningAzurite } from '../support/object-store-servers';

/** The Azure Blob store against Azurite, Microsoft's Azure Storage server. */

const CONTAINER = 'documents';
let server: RunningAzurite;
let admin: BlobServiceClient;

function azureEnv(prefix: string, container = CONTAINER): Record<string, string> {
  return {
    DOCUMENT_STORE: 'azure-blob',
    DOCUMENT_STORE_AZURE_CONTAINER: container,
    DOCUMENT_STORE_AZURE_PREFIX: prefix,
    DOCUMENT_STORE_AZURE_CONNECTION_STRING: server.connectionString,
  };
}

beforeAll(async () => {
  server = await startAzurite();
  admin = BlobServiceClient.fromConnectionString(server.connectionString);
  await admin.getContainerClient(CONTAINER).create();
}, 600_000);

afterAll(async () => {
  await server?.stop();
});

documentStoreContract('azure-blob on Azurite', async () => {
  let count = 0;
  return {
    containerVariable: 'DOCUMENT_STORE_AZURE_CONTAINER',
    async fresh() {
      count += 1;
      const prefix = `tenants/t${count}/`;
      const env = azureEnv(prefix);
      return {
        store: await storeFromEnv(env),
        env,
        // Committed blobs: blocks of an upload that never committed are invisible to every
        // reader and discarded by the service, and Azure offers no call to delete them.
        async listObjects() {
          const names: string[] = [];
          for await (const blob of admin.getContainerClient(CONTAINER).listBlobsFlat({ prefix }))
            names.push(blob.name.slice(prefix.length));
          return names.sort();
        },
        async writeIdentity(reference: string) {
          const name = reference.slice(`azure-blob://${server.accountName}/${CONTAINER}/`.length);
          return (await admin.getContainerClient(CONTAINER).getBlobClient(name).getProperties()).etag ?? '';
        },
      };
    },
    missingContainer: () => storeFromEnv(azureEnv('', 'no-such-container')),
    stop: async () => undefined,
  };
});

describe('azure-blob specifics', () => {
  test('an account URL with the key from a file works as well as a connection string', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hotdocs-azure-key-'));
    try {
      await writeFile(path.join(dir, 'key'), `${server.accountKey}\n`);
      const store = await storeFromEnv({
        DOCUMENT_STORE: 'azure-blob',
        DOCUMENT_STORE_AZURE_CONTAINER: CONTAINER,
        DOCUMENT_STORE_AZURE_ACCOUNT_URL: server.blobEndpoint,
        DOCUMENT_STORE_AZURE_ACCOUNT_KEY_FILE: path.join(dir, 'key'),
        DOCUMENT_STORE_AZURE_PUBLIC_URL: 'https://files.example.com/store',
      });
      const stored = await store.put(
        { workItemId: 'w', versionId: 'v', documentId: 'd', fileName: 'a.pdf' },
        Readable.from([Buffer.from('%PDF-1.7')]),
        { contentType: 'application/pdf' },
      );
      expect(stored.reference).toBe(`azure-blob://${server.accountName}/${CONTAINER}/w/v/d-a.pdf`);
      expect((await store.head(stored.reference)).size).toBe(8);
      // The SAS URL names the public base; the signature does not depend on the host.
      expect(store.presign).toBeDefined();
      const url = new URL((await store.presign?.(stored.reference, 60)) ?? '');
      expect(`${url.origin}${url.pathname}`).toBe(`https://files.example.com/store/${CONTAINER}/w/v/d-a.pdf`);
      expect(url.searchParams.get('sp')).toBe('r');
      expect(url.search).not.toContain(server.accountKey);
      // The same signed URL, sent to where the server really listens, is accepted.
      const local = `${server.blobEndpoint}${url.pathname.slice('/store'.length)}${url.search}`;
      expect((await fetch(local)).status).toBe(200);
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
