import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Secrets of the local dev stack (gateway API key, finish-link secret, payload key), made once and
 * kept under the git-ignored data folder so that links and encrypted payloads stay valid across
 * restarts of `npm run dev`. The API key is also written alone to `<data dir>/api-key`, so that
 * the documented commands can read it: `KEY=$(cat .data/dev/api-key)`. Development only:
 * production reads secrets from the environment.
 */
export interface DevSecrets {
  apiKey: string;
  finishLinkSecret: string;
  /** `id:base64` of a 32-byte key. */
  payloadKey: string;
}

export async function loadOrCreateDevSecrets(dataDir: string): Promise<DevSecrets> {
  const file = path.join(dataDir, 'dev-secrets.json');
  let secrets: DevSecrets;
  try {
    secrets = JSON.parse(await readFile(file, 'utf8')) as DevSecrets;
  } catch {
    secrets = {
      apiKey: `dev-${randomBytes(18).toString('base64url')}`,
      finishLinkSecret: randomBytes(32).toString('hex'),
      payloadKey: `dev-1:${randomBytes(32).toString('base64')}`,
    };
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  await writeFile(path.join(dataDir, 'api-key'), `${secrets.apiKey}\n`, { mode: 0o600 });
  return secrets;
}
