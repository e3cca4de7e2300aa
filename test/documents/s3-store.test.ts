import {
  CreateBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { S3DocumentStore } from '../../src/documents/s3-store';
import { documentStoreContract, storeFromEnv } from '../support/document-store-contract';
import { s3AdminClient, startVersityGw, type RunningS3Server } from '../support/object-store-servers';

/**
 * The S3 store against versitygw, a real S3-protocol server, in a bucket with versioning on: a
 * write that should not happen would show as a second version.
 */

const BUCKET = 'documents';
let server: RunningS3Server;
let admin: S3Client;

function s3Env(prefix: string, bucket = BUCKET): Record<string, string> {
  return {
    DOCUMENT_STORE: 's3',
    DOCUMENT_STORE_S3_BUCKET: bucket,
    DOCUMENT_STORE_S3_PREFIX: prefix,
    DOCUMENT_STORE_S3_ENDPOINT: server.endpoint,
    DOCUMENT_STORE_S3_FORCE_PATH_STYLE: 'true',
    DOCUMENT_STORE_S3_ACCESS_KEY_ID: server.accessKeyId,
    DOCUMENT_STORE_S3_SECRET_ACCESS_KEY: server.secretAccessKey,
  };
}

/** Every version, delete marker and unfinished multipart upload under the prefix. */
async function listEverything(prefix: string): Promise<string[]> {
  const versions = await admin.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: prefix }));
  const uploads = await admin.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: prefix }));
  return [
    ...(versions.Versions ?? []).map((v) => v.Key ?? ''),
    ...(versions.DeleteMarkers ?? []).map((m) => `${m.Key} (delete marker)`),
    ...(uploads.Uploads ?? []).map((u) => `${u.Key} (unfinished multipart upload)`),
  ]
    .map((name) => name.slice(prefix.length))
    .sort();
}

beforeAll(async () => {
  server = await startVersityGw();
  admin = s3AdminClient(server);
  await admin.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await admin.send(
    new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }),
  );
}, 600_000);

afterAll(async () => {
  admin?.destroy();
  await server?.stop();
});

documentStoreContract('s3 on versitygw', async () => {
  let count = 0;
  return {
    containerVariable: 'DOCUMENT_STORE_S3_BUCKET',
    async fresh() {
      count += 1;
      const prefix = `tenants/t${count}/`;
      const env = s3Env(prefix);
      return {
        store: await storeFromEnv(env),
        env,
        listObjects: () => listEverything(prefix),
        async writeIdentity(reference: string) {
          const key = reference.slice(`s3://${BUCKET}/`.length);
          const versions = await admin.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: key }));
          return (versions.Versions ?? []).map((v) => v.VersionId).join(',');
        },
      };
    },
    missingContainer: () => storeFromEnv(s3Env('', 'no-such-bucket')),
    stop: async () => undefined,
  };
});

describe('s3 specifics', () => {
  test('presigned URLs name the public endpoint when one is configured', async () => {
    const store = new S3DocumentStore({
      bucket: BUCKET,
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      publicEndpoint: 'https://documents.example.com',
    });
    try {
      const stored = await store.put(
        { workItemId: 'w', versionId: 'v', documentId: 'd', fileName: 'a.pdf' },
        Readable.from([Buffer.from('%PDF-1.7')]),
        { contentType: 'application/pdf' },
      );
      const url = new URL(await store.presign(stored.reference, 60));
      expect(url.origin).toBe('https://documents.example.com');
      expect(url.pathname).toBe(`/${BUCKET}/w/v/d-a.pdf`);
      expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
      expect(url.search).not.toContain(server.secretAccessKey);
    } finally {
      await store.close();
    }
  });
});
