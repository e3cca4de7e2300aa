import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from '../../tools/temporal';
import { spawnChild, type ChildHandle } from '../../tools/process/child-process';
import { eventually } from '../support/lifecycle-harness';

/**
 * The shell blocks the docs mark `<!-- pasted: readme -->` (README.md) and `<!-- pasted: gateway -->`
 * (docs/gateway.md), pasted in order into bash against `npm run dev`, as a reader would. Two
 * changes only, so that the run shares the machine with other tests: `npm run dev` gets free
 * ports (the blocks' 8080, 7233 and 8400 are replaced by them) and a data folder of its own (the
 * blocks' `.data/dev` is replaced by it). The blocks run with `set -euo pipefail`, so a command
 * that fails — a `field` that finds no finish link, a CLI error — fails the test.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);

let dataDir: string;
let workDir: string;
let dev: ChildHandle | undefined;
const ports = { temporal: 0, ui: 0, emulator: 0, gateway: 0 };

/** The marked ```sh blocks of a document, in order. */
async function pastedBlocks(file: string, marker: string): Promise<string[]> {
  const text = await readFile(path.join(ROOT, file), 'utf8');
  const blocks = [
    ...text.matchAll(new RegExp(`<!-- pasted: ${marker} -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\``, 'g')),
  ];
  return blocks.map((m) => m[1]!);
}

function onThisRun(script: string): string {
  return script
    .replaceAll('127.0.0.1:8080', `127.0.0.1:${ports.gateway}`)
    .replaceAll('127.0.0.1:7233', `127.0.0.1:${ports.temporal}`)
    .replaceAll('127.0.0.1:8400', `127.0.0.1:${ports.emulator}`)
    .replaceAll('.data/dev/', `${dataDir}/`);
}

async function paste(blocks: string[], cwd: string): Promise<string> {
  const script = ['set -euo pipefail', ...blocks.map(onThisRun)].join('\n');
  try {
    const { stdout } = await run('bash', ['-c', script], {
      cwd,
      // Where the reader's defaults (7233, 8080) point at npm run dev, these point at this one.
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
        HOTDOCS_GATEWAY_URL: `http://127.0.0.1:${ports.gateway}`,
      },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 240_000,
    });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`the pasted commands failed:\n${String(error)}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'hotdocs-docs-'));
  workDir = await mkdtemp(path.join(tmpdir(), 'hotdocs-docs-cwd-'));
  const [temporal, ui, emulator, gateway] = await Promise.all(
    Array.from({ length: 4 }, () => findFreePort()),
  );
  Object.assign(ports, { temporal, ui, emulator, gateway });
  const args = ['run', 'dev', '--', '--data-dir', dataDir];
  for (const [flag, port] of Object.entries(ports)) args.push(`--${flag}-port`, String(port));
  dev = spawnChild({
    name: 'npm run dev',
    command: 'npm',
    args,
    cwd: ROOT,
    env: process.env,
    detached: true,
    tailLines: 100_000,
  });
  await eventually(
    () => (dev!.output().includes('assembly-demo-1 waits for its interview') ? true : undefined),
    {
      timeoutMs: 120_000,
      what: `npm run dev to be ready; output so far:\n${dev.output()}`,
    },
  );
}, 150_000);

afterAll(async () => {
  if (dev?.isRunning() && dev.pid !== undefined) {
    process.kill(-dev.pid, 'SIGINT');
    await dev.exited;
  }
  await rm(dataDir, { recursive: true, force: true });
  await rm(workDir, { recursive: true, force: true });
});

/**
 * A folder that works as the repository's for the README's commands (`npx hotdocs-temporal`,
 * `npm run temporal`): every entry of the repository linked in. What the blocks write — the demo's
 * documents — lands here, never in the repository itself.
 */
async function checkoutLookalike(): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), 'hotdocs-docs-readme-'));
  for (const entry of await readdir(ROOT)) {
    if (entry === '.git') continue;
    await symlink(path.join(ROOT, entry), path.join(folder, entry));
  }
  return folder;
}

test('the README: the temporal CLI by message names, the demo documents over HTTP and the CLI', async () => {
  const blocks = await pastedBlocks('README.md', 'readme');
  expect(blocks.length).toBe(3);
  const readmeDir = await checkoutLookalike();
  try {
    const output = await paste(blocks, readmeDir);
    expect(output).toMatch(/"outcome":\s*"completed"/);
    expect(output).toContain('%PDF-1.4');
    // The download landed where the commands ran, and the CLI wrote the demo's documents under
    // ./demo-documents/<versionId>/ there.
    expect(await readdir(readmeDir)).toContain('Demo-lease-for-Ann-Example.pdf');
    const [version] = await readdir(path.join(readmeDir, 'demo-documents'));
    expect(await readdir(path.join(readmeDir, 'demo-documents', version!))).toContain(
      'Demo-lease-for-Ann-Example.pdf',
    );
    const inRepository = await readdir(ROOT);
    expect(inRepository.filter((e) => e === 'demo-documents' || e.endsWith('.pdf'))).toEqual([]);
  } finally {
    await rm(readmeDir, { recursive: true, force: true });
  }
}, 240_000);

test('docs/gateway.md: the API by example, block after block', async () => {
  const blocks = await pastedBlocks('docs/gateway.md', 'gateway');
  expect(blocks.length).toBeGreaterThanOrEqual(8);
  // Anywhere: nothing in them depends on the folder (the key file's path is absolute here).
  const output = await paste(blocks, workDir);
  expect(output).toContain('"interviewCompleted":true');
  expect(output).toContain('finish-link-used');
  expect(output).toMatch(/"outcome":"completed"/);
  expect(output).toContain('lifecycle-closed');
  expect(output).toMatch(/304\n/); // the If-None-Match request's status
  expect(output).toContain('{"status":"ready"}');
}, 240_000);
