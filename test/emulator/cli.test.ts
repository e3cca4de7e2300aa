import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { http } from './emulator-harness';

const BIN = path.join(__dirname, '..', '..', 'bin', 'hotdocs-temporal.js');

/** Resolves with the first stdout line matching the pattern; rejects if the process exits first. */
function waitForLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const line = buffered.split('\n').find((candidate) => pattern.test(candidate));
      if (line !== undefined) resolve(line);
    });
    child.once('exit', (code) =>
      reject(new Error(`exited with ${code} before printing ${pattern}: ${stderr}`)),
    );
  });
}

describe('hotdocs-temporal emulator (command line)', () => {
  it('shows every option with its default in --help', () => {
    const help = spawnSync(process.execPath, [BIN, 'emulator', '--help'], { encoding: 'utf8' });
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
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('starts, prints the URLs and names (not the password), serves, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'emulator', '--port', '0', '--quiet'], {
      env: { ...process.env, EMULATOR_PRINCIPAL_PASSWORD: 'from-the-environment' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await waitForLine(child, /emulator ready/);
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
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
    }
  });

  it('exits non-zero on an invalid option value', () => {
    const result = spawnSync(process.execPath, [BIN, 'emulator', '--port', 'eighty'], { encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('--port');
  });
});
