import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { documentStoreContract, storeFromEnv } from '../support/document-store-contract';

/** Every file under `dir` but the sidecars, relative, with / separators. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .filter((name) => !name.split('/').includes('.meta'))
    .sort();
}

documentStoreContract('filesystem', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'hotdocs-fs-store-'));
  let count = 0;
  return {
    containerVariable: 'DOCUMENT_STORE_DIR',
    async fresh() {
      count += 1;
      const dir = path.join(root, `store-${count}`);
      const env = { DOCUMENT_STORE: 'filesystem', DOCUMENT_STORE_DIR: dir };
      return {
        store: await storeFromEnv(env),
        env,
        listObjects: () => listFiles(dir),
        async writeIdentity(reference: string) {
          const stats = await stat(fileURLToPath(reference));
          return `${stats.ino}:${stats.mtimeMs}`;
        },
      };
    },
    async missingContainer() {
      // A directory that cannot be created: its parent is a file.
      await mkdir(root, { recursive: true });
      await writeFile(path.join(root, 'not-a-directory'), 'x');
      return storeFromEnv({ DOCUMENT_STORE_DIR: path.join(root, 'not-a-directory', 'documents') });
    },
    stop: () => rm(root, { recursive: true, force: true }),
  };
});
