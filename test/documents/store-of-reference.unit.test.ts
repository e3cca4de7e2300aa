import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { storeOfReference } from '../../src/documents/document-layout';
import { FileSystemDocumentStore } from '../../src/documents/filesystem-store';

/** Which store a reference points into: what the gateway names when it reads another store. */

const key = { workItemId: 'wi-1', versionId: 'v-1', documentId: 'doc-1', fileName: 'Lease.pdf' };

test('a filesystem reference names the directory of the store that wrote it, as the store describes itself', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'hotdocs-reference-'));
  try {
    const store = new FileSystemDocumentStore(dir);
    const { reference } = await store.put(key, Readable.from([Buffer.from('%PDF')]), {
      contentType: 'application/pdf',
    });
    expect(storeOfReference(reference)).toBe(store.describe());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('s3 and azure-blob references name the bucket or container, and a prefix when there is one', () => {
  expect(storeOfReference('s3://acme-documents/wi-1/v-1/doc-1-Lease.pdf')).toBe('s3 bucket acme-documents');
  expect(storeOfReference('s3://acme-documents/tenants/acme/wi-1/v-1/doc-1-Lease.pdf')).toBe(
    's3 bucket acme-documents, prefix tenants/acme/',
  );
  expect(storeOfReference('azure-blob://acmestore/documents/lifecycles/wi-1/v-1/doc-1-Lease.pdf')).toBe(
    'azure-blob container documents of account acmestore, prefix lifecycles/',
  );
});

test('a reference no store of ours writes names none', () => {
  expect(storeOfReference('https://example.com/Lease.pdf')).toBeUndefined();
  expect(storeOfReference('file://remote-host/share/x.pdf')).toBeUndefined();
});
