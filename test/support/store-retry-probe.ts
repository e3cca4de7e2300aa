import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { loadDocumentStoreConfig } from '../../src/config';
import { createDocumentStore } from '../../src/documents/create-store';

/**
 * Child process of the retried-put test: configured like a worker, it puts the same document twice,
 * the second time with the checksum announced, so that the store throws the body away unread. The
 * bodies behave as undici's response bodies (the activity's downloads from Advance) do: destroyed
 * before they were read to the end, they emit an AbortError. Without a listener that error ends
 * this process with a non-zero code, as it ended workers.
 *
 *   node --require tsx/cjs test/support/store-retry-probe.ts
 */
function httpLikeBody(data: Buffer): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) this.push(data);
      else this.push(null);
      sent = true;
    },
    destroy(error, callback) {
      // undici's BodyReadable._destroy: no error given and the end not reached yet = aborted.
      callback(
        error ??
          (this.readableEnded
            ? null
            : Object.assign(new Error('Request aborted'), { code: 'UND_ERR_ABORTED' })),
      );
    },
  });
}

async function main(): Promise<void> {
  const problems: string[] = [];
  const store = createDocumentStore(loadDocumentStoreConfig(process.env, problems));
  if (problems.length > 0) throw new Error(problems.join('; '));
  const data = randomBytes(256 * 1024);
  const key = { workItemId: 'probe', versionId: 'retried', documentId: 'd1', fileName: 'probe.pdf' };
  const options = {
    contentType: 'application/pdf',
    expectedSha256: createHash('sha256').update(data).digest('hex'),
  };
  const bodies = [httpLikeBody(data), httpLikeBody(data)];
  const first = await store.put(key, bodies[0]!, options);
  const second = await store.put(key, bodies[1]!, options);
  // A stream emits 'error' before 'close': once both bodies are closed (read to the end, or
  // thrown away), a destroyed body's error has had its turn, before success is declared.
  await Promise.all(
    bodies.map((body) => body.closed || new Promise((resolve) => body.once('close', resolve))),
  );
  await store.close();
  process.stdout.write(
    `${JSON.stringify({ same: first.reference === second.reference && first.sha256 === second.sha256 })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
