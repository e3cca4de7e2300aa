import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnChild } from '../../tools/process/child-process';
import { http } from '../support/emulator-harness';

const MAIN = path.join(__dirname, '..', '..', 'tools', 'emulator', 'main.ts');
/** `npm run emulator -- <args>`, without npm in between (its own output and signal handling). */
const emulatorArgs = (...args: string[]) => ['--require', 'tsx/cjs', MAIN, ...args];

describe('npm run emulator (command line)', () => {
  it('shows every option with its default in --help', () => {
    const help = spawnSync(process.execPath, emulatorArgs('--help'), { encoding: 'utf8' });
    expect(help.status).toBe(0);
    const text = help.stdout.replace(/\s+/g, ' ');
    for (const expected of [
      '--port <n>',
      '(default: 8400)',
      '(default: "127.0.0.1")',
      '(default: "hotdocs-temporal")',
      '(default: "orchestrator")',
      '(default: "emulator-secret", env: EMULATOR_PRINCIPAL_PASSWORD)',
      'default: "Command"',
      '(default: 3600)',
      'default: "jwt"',
      '--public-url <url>',
      '--finish-url <template>',
      '--seed <n>',
      '--behaviour <file>',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('starts, prints the URLs and names (not the password), serves, and stops on SIGTERM', async () => {
    const emulator = spawnChild({
      name: 'npm run emulator',
      command: process.execPath,
      args: emulatorArgs('--port', '0', '--quiet'),
      env: { ...process.env, EMULATOR_PRINCIPAL_PASSWORD: 'from-the-environment' },
    });
    try {
      await emulator.waitReady({ output: /emulator ready.*\n/ }, 30_000);
      const line =
        emulator
          .output('stdout')
          .split('\n')
          .find((l) => l.includes('emulator ready')) ?? '';
      const origin = /cloud base (http:\/\/127\.0\.0\.1:\d+)\/api\/rest\/v1\.1/.exec(line)?.[1] ?? '';
      expect(line).toContain(`auth ${origin}/auth`);
      expect(line).toContain(`on-premise base ${origin}/HdaApi/rest/v1.1 auth ${origin}/HdaAuth`);
      expect(line).toContain(`v2.0 bases ${origin}/api/rest/v2.0 ${origin}/HdaApi/rest/v2.0 |`);
      expect(line).toContain(`control ${origin}/__emulator`);
      expect(line).toContain('client "hotdocs-temporal" principal "orchestrator"');
      expect(line).not.toContain('from-the-environment');

      const login = await http('POST', `${origin}/HdaAuth/Authorize/ServicePrincipalLogIn`, {
        body: {
          ClientName: 'hotdocs-temporal',
          PrincipalName: 'orchestrator',
          PrincipalPassword: 'from-the-environment',
        },
      });
      expect(login.status).toBe(200);
    } finally {
      emulator.child.kill('SIGTERM');
      expect(await emulator.exited).toBe('exited with code 0');
    }
  });

  it('starts with the switches of a --behaviour file, and says which differ from the defaults', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'emulator-behaviour-'));
    const file = path.join(dir, 'tenancy.json');
    await writeFile(file, JSON.stringify({ behaviour: { duplicateCreate: 'noop', statusShape: 'string' } }));
    const emulator = spawnChild({
      name: 'npm run emulator --behaviour',
      command: process.execPath,
      args: emulatorArgs('--port', '0', '--quiet', '--behaviour', file),
    });
    try {
      await emulator.waitReady({ output: /emulator ready.*\n/ }, 30_000);
      const output = emulator.output('stdout');
      expect(output).toContain(`behaviour from ${file}: duplicateCreate=noop statusShape=string\n`);
      const control = /control (http:\/\/127\.0\.0\.1:\d+\/__emulator)/.exec(output)?.[1] ?? '';
      const behaviour = (await http('GET', `${control}/behaviour`)).json<Record<string, unknown>>();
      expect(behaviour).toMatchObject({
        duplicateCreate: 'noop',
        statusShape: 'string',
        createSuccessStatus: 200,
      });
    } finally {
      emulator.child.kill('SIGTERM');
      expect(await emulator.exited).toBe('exited with code 0');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a --behaviour file it cannot use, naming the problem', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'emulator-behaviour-'));
    const file = path.join(dir, 'wrong.json');
    await writeFile(file, JSON.stringify({ behaviour: { duplicateCreate: 'sometimes' } }));
    const result = spawnSync(process.execPath, emulatorArgs('--port', '0', '--behaviour', file), {
      encoding: 'utf8',
    });
    await rm(dir, { recursive: true, force: true });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('behaviour.duplicateCreate');
  });

  it('exits non-zero on an invalid option value', () => {
    const result = spawnSync(process.execPath, emulatorArgs('--port', 'eighty'), { encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('--port');
  });
});
