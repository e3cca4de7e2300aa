import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lifecycleInput } from '../support/lifecycle-harness';
import { call, KEYS } from '../support/gateway-harness';
import { gatewayTestbed } from '../support/testbed';

/**
 * `hotdocs-temporal documents`, run as a user runs it: the bin script in a child process,
 * configured through the environment, against a gateway in front of the dev server, an
 * in-process worker and the emulator.
 */

const BIN = path.join(__dirname, '..', '..', 'bin', 'hotdocs-temporal.js');

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env['PATH'], ...env }, cwd: scratch },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let scratch: string;
let lifecycleId: string;
let workItemId: string;
let gatewayEnv: Record<string, string>;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const bed = gatewayTestbed();

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'hotdocs-documents-cli-'));
  const started = await call(`${bed.gateway.url}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: `cli/${randomUUID()}`, mode: 'batch' }),
  });
  lifecycleId = started.json.id;
  const result = await call(
    `${bed.gateway.url}/v1/assemblies/${encodeURIComponent(lifecycleId)}/result?wait=true`,
  );
  expect(result.status).toBe(200);
  workItemId = result.json.workItemId;
  gatewayEnv = { HOTDOCS_GATEWAY_URL: bed.gateway.url, HOTDOCS_GATEWAY_API_KEY: KEYS.crm };
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

test('downloads every document into <out>/<versionId>/<fileName>, checks it, prints what it wrote', async () => {
  const run = await cli(['documents', lifecycleId, '--out', 'out'], gatewayEnv);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const printed = JSON.parse(run.stdout);
  expect(printed.lifecycleId).toBe(lifecycleId);
  expect(printed.documents).toHaveLength(2);
  for (const document of printed.documents) {
    expect(document.path).toBe(path.join('out', document.versionId, document.fileName));
    const bytes = await readFile(path.join(scratch, document.path));
    const original = bed.h.emulator.documentContent(workItemId, document.documentId) as Buffer;
    expect(bytes.equals(original)).toBe(true);
    expect(document).toMatchObject({ size: original.length, sha256: sha256(original) });
  }
});

test('an existing file stops it before anything is written; --force replaces', async () => {
  const first = await cli(['documents', lifecycleId, '--out', 'again'], gatewayEnv);
  const [document] = JSON.parse(first.stdout).documents as { path: string }[];
  const file = path.join(scratch, (document as { path: string }).path);
  await writeFile(file, 'mine');

  const refused = await cli(['documents', lifecycleId, '--out', 'again'], gatewayEnv);
  expect(refused.code).toBe(1);
  expect(JSON.parse(refused.stderr).error).toMatchObject({ code: 'file-exists' });
  expect(await readFile(file, 'utf8')).toBe('mine');

  const forced = await cli(['documents', lifecycleId, '--out', 'again', '--force'], gatewayEnv);
  expect(forced.code).toBe(0);
  expect(await readFile(file, 'utf8')).not.toBe('mine');
});

test('bytes that do not match the listed sha256: an error naming the document, no file kept', async () => {
  const status = await bed.h.lifecycles.status(lifecycleId);
  const stored = status.completedSessions[0]!.documents.find((d) => d.fileName === 'answers.xml')!;
  const file = fileURLToPath(stored.reference!);
  const original = await readFile(file);
  // Same size, other bytes: the store serves them, the checksum gives them away.
  await writeFile(file, Buffer.from(original.toString('utf8').replace('Ann', 'Eve'), 'utf8'));
  try {
    const run = await cli(['documents', lifecycleId, '--out', 'tampered'], gatewayEnv);
    expect(run.code).toBe(1);
    const error = JSON.parse(run.stderr).error;
    expect(error.code).toBe('checksum-mismatch');
    expect(error.message).toContain(stored.documentId);
    expect(error.message).toContain('answers.xml');
    // Nothing of the tampered document was kept, not even a partial file.
    const folder = path.join(scratch, 'tampered', status.completedSessions[0]!.versionId);
    expect((await readdir(folder)).filter((name) => name.includes('answers'))).toEqual([]);
  } finally {
    await writeFile(file, original);
  }
});

test('the key: from a file as well; none is a usage error (exit 2); a wrong one is the gateway refusing it', async () => {
  const keyFile = path.join(scratch, 'key');
  await writeFile(keyFile, `${KEYS.ops}\n`);
  const fromFile = await cli(
    ['documents', lifecycleId, '--out', 'keyfile', '--gateway', bed.gateway.url, '--api-key-file', keyFile],
    {},
  );
  expect(fromFile.code).toBe(0);

  const none = await cli(['documents', lifecycleId, '--gateway', bed.gateway.url]);
  expect(none.code).toBe(2);
  expect(JSON.parse(none.stderr).error.message).toContain('HOTDOCS_GATEWAY_API_KEY');

  const wrong = await cli(['documents', lifecycleId], {
    ...gatewayEnv,
    HOTDOCS_GATEWAY_API_KEY: 'not-a-key',
  });
  expect(wrong.code).toBe(1);
  expect(JSON.parse(wrong.stderr).error).toMatchObject({
    code: 'gateway-error',
    gatewayCode: 'unauthorized',
  });
  expect(wrong.stderr).not.toContain('not-a-key');
});

test('--help shows an example', async () => {
  const help = await cli(['documents', '--help']);
  expect(help.stdout).toContain('export HOTDOCS_GATEWAY_API_KEY=$(cat .data/dev/api-key)');
  expect(help.stdout).toContain('npx hotdocs-temporal documents assembly-demo-1');
});
