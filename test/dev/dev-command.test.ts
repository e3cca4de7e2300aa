import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from '../../tools/temporal';
import { spawnChild, type ChildHandle } from '../../tools/process/child-process';
import { eventually } from '../support/lifecycle-harness';

/**
 * `npm run dev` as a newcomer runs it: start it, follow the instructions it prints, start a second
 * one by mistake, stop it with Ctrl-C while the demo waits, start it again and finish the demo's
 * interview — and see a lifecycle started with the CLI get its interview page too.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);
const running: ChildHandle[] = [];
let dataDir: string;
let ports: { temporal: string; ui: string; emulator: string; gateway: string };

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'hotdocs-dev-'));
  const [temporal, ui, emulator, gateway] = (
    await Promise.all(Array.from({ length: 4 }, () => findFreePort()))
  ).map(String) as [string, string, string, string];
  ports = { temporal, ui, emulator, gateway };
});

afterAll(async () => {
  for (const dev of running) if (dev.isRunning() && dev.pid !== undefined) process.kill(-dev.pid, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

function startDev(): ChildHandle {
  const dev = spawnChild({
    name: 'npm run dev',
    command: 'npm',
    args: [
      'run',
      'dev',
      '--',
      '--data-dir',
      dataDir,
      '--temporal-port',
      ports.temporal,
      '--ui-port',
      ports.ui,
      '--emulator-port',
      ports.emulator,
      '--gateway-port',
      ports.gateway,
    ],
    cwd: ROOT,
    env: process.env,
    // Its own process group, so that Ctrl-C can be imitated: the terminal signals the whole group.
    detached: true,
    tailLines: 100_000,
  });
  running.push(dev);
  return dev;
}

/** The command it prints for `lifecycleId`, and the output's lines for that lifecycle. */
async function waitingBlock(
  dev: ChildHandle,
  lifecycleId: string,
  after = 0,
): Promise<{ command: string; page: string }> {
  const block = new RegExp(
    `${lifecycleId} waits for its interview[^\\n]*\\n[\\s\\S]*?interview page:\\s+(\\S+)[\\s\\S]*?\\n\\s+(npx hotdocs-temporal complete-interview ${lifecycleId} .+)\\n`,
  );
  return eventually(
    () => {
      const match = block.exec(dev.output().slice(after));
      return match === null ? undefined : { page: match[1]!, command: match[2]! };
    },
    { timeoutMs: 90_000, what: `the waiting block of ${lifecycleId}; output so far:\n${dev.output()}` },
  );
}

async function ctrlC(dev: ChildHandle): Promise<void> {
  process.kill(-dev.pid!, 'SIGINT');
  await dev.exited;
  expect(dev.output()).toContain('Stopped.');
}

test('npm run dev: instructions that work, a clear refusal of a second one, and a restart that carries on', async () => {
  const first = startDev();
  const demo = await waitingBlock(first, 'assembly-demo-1');
  for (const line of [
    '[1/6] Temporal CLI',
    '[2/6] Temporal dev server',
    '[3/6] HotDocs Advance emulator',
    '[4/6] worker',
    '[5/6] HTTP gateway',
    '[6/6] demo lifecycle',
  ]) {
    expect(first.output()).toContain(line);
  }
  const uiLink = /lifecycle in Temporal UI:\s+(\S+)/.exec(first.output())?.[1];
  expect(uiLink).toContain(`:${ports.ui}/namespaces/default/workflows/assembly-demo-1`);
  expect((await fetch(uiLink!)).status).toBe(200);
  expect(demo.page).toMatch(
    new RegExp(`^http://127\\.0\\.0\\.1:${ports.emulator}/__emulator/interview/[0-9a-f-]{36}\\?finishUrl=`),
  );
  expect((await fetch(demo.page)).status).toBe(200);
  // The API key the docs read is where npm run dev says.
  const apiKey = (await readFile(path.join(dataDir, 'api-key'), 'utf8')).trim();
  expect(first.output()).toContain(apiKey);

  // A second one on the same ports says so before it starts anything.
  const second = startDev();
  expect(await second.exited).toMatch(/exited with code [1-9]/);
  expect(second.output()).toMatch(
    new RegExp(
      `ports? .*${ports.temporal} \\(Temporal\\).*already in use — is another npm run dev running\\?`,
    ),
  );
  expect(second.output()).not.toContain('[1/6]');

  // Ctrl-C while the demo waits, start again: the demo carries on where it was.
  await ctrlC(first);
  const again = startDev();
  const resumed = await waitingBlock(again, 'assembly-demo-1');
  expect(again.output()).toContain('assembly-demo-1 (resumed)');

  // A lifecycle started with the CLI gets its interview page printed as well.
  const started = await run(
    'npx',
    [
      'hotdocs-temporal',
      'start',
      '--address',
      `127.0.0.1:${ports.temporal}`,
      '--business-key',
      'cli-lease-1',
      '--json',
      JSON.stringify({
        workItem: {
          name: 'Lease started from the CLI',
          workGroupId: '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11',
          templatePackageId: '0f2a7d6c-58e4-4a9b-8f3e-2b9d6c1e7a22',
        },
      }),
    ],
    { cwd: ROOT },
  );
  expect(JSON.parse(started.stdout)).toMatchObject({ lifecycleId: 'assembly-cli-lease-1', created: true });
  const cli = await waitingBlock(again, 'assembly-cli-lease-1');
  expect((await fetch(cli.page)).status).toBe(200);

  // Follow the demo's instruction exactly as printed after the restart.
  const [command, ...args] = resumed.command.split(/\s+/);
  await run(command!, args, { cwd: ROOT });
  await eventually(() => (again.output().includes('Demo lifecycle completed') ? true : undefined), {
    timeoutMs: 60_000,
    what: 'the demo lifecycle to complete',
  });
  expect(again.output()).toMatch(/Demo-lease-for-Ann-Example\.pdf: file:\/\//);

  await ctrlC(again);
  for (const port of [ports.temporal, ports.emulator, ports.gateway]) {
    await eventually(async () => ((await portIsFree(Number(port))) ? true : undefined), {
      what: `port ${port} to be free`,
    });
  }
}, 300_000);

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
