import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createServer } from 'node:net';
import { findFreePort } from '../../tools/temporal';
import { eventually } from '../support/lifecycle-harness';

/**
 * `npm run dev` as a newcomer runs it: start it, follow the instructions it prints, and see the
 * demo lifecycle complete; then Ctrl-C stops everything.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);
let dev: ChildProcess | undefined;
let dataDir: string;

afterAll(async () => {
  if (dev !== undefined && dev.exitCode === null) dev.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

test('npm run dev reaches a completed demo lifecycle by following its printed instructions', async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'hotdocs-dev-'));
  const ports = await Promise.all(Array.from({ length: 4 }, () => findFreePort()));
  const [temporalPort, uiPort, emulatorPort, gatewayPort] = ports.map(String) as [
    string,
    string,
    string,
    string,
  ];
  dev = spawn(
    'npm',
    [
      'run',
      'dev',
      '--',
      '--data-dir',
      dataDir,
      '--temporal-port',
      temporalPort,
      '--ui-port',
      uiPort,
      '--emulator-port',
      emulatorPort,
      '--gateway-port',
      gatewayPort,
    ],
    { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  dev.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  dev.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => dev!.once('exit', () => resolve()));

  // Progress lines while it starts, then the instructions.
  const instruction = await eventually(
    () => /^\s+(npx hotdocs-temporal complete-interview .+)$/m.exec(output)?.[1],
    {
      timeoutMs: 90_000,
      what: `the printed instructions; output so far:\n${output}`,
    },
  );
  for (const line of [
    '[1/6] Temporal CLI',
    '[2/6] Temporal dev server',
    '[3/6] HotDocs Advance emulator',
    '[4/6] worker',
    '[5/6] HTTP gateway',
    '[6/6] demo lifecycle',
  ]) {
    expect(output).toContain(line);
  }
  const uiLink = /lifecycle in Temporal UI:\s+(\S+)/.exec(output)?.[1];
  expect(uiLink).toContain(`:${uiPort}/namespaces/default/workflows/assembly-demo-1`);
  expect((await fetch(uiLink!)).status).toBe(200);
  expect(output).toMatch(
    /interview page:\s+http:\/\/127\.0\.0\.1:\d+\/__emulator\/interview\/[0-9a-f-]{36}\?finishUrl=/,
  );

  // Follow the instruction exactly as printed.
  const [command, ...args] = instruction.split(/\s+/);
  await run(command!, args, { cwd: ROOT });
  await eventually(() => (output.includes('Demo lifecycle completed') ? true : undefined), {
    timeoutMs: 60_000,
    what: 'the demo lifecycle to complete',
  });
  expect(output).toMatch(/Demo-lease-for-Ann-Example\.pdf: file:\/\//);

  // Ctrl-C: the terminal signals the whole process group.
  // npm itself ends by the signal; what matters is that our process stopped everything it started.
  process.kill(-dev.pid!, 'SIGINT');
  await exited;
  await eventually(() => (output.includes('Stopped.') ? true : undefined), { what: 'the orderly stop' });
  for (const port of [temporalPort, emulatorPort, gatewayPort]) {
    await eventually(async () => ((await portIsFree(Number(port))) ? true : undefined), {
      what: `port ${port} to be free`,
    });
  }
}, 180_000);

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
