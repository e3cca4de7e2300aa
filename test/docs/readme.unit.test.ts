import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_VARIABLES } from '../../src/config';

/** The README stays true to the code: every variable documented, every linked file present. */
const ROOT = path.resolve(__dirname, '..', '..');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

test('the README documents every configuration variable', () => {
  const missing = Object.keys(CONFIG_VARIABLES).filter((name) => !readme.includes(`\`${name}\``));
  expect(missing).toEqual([]);
});

test('every local link in the README points at a file that exists', () => {
  const links = [...readme.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
    .map((m) => m[1]!)
    .filter((l) => !/^https?:/.test(l));
  expect(links.length).toBeGreaterThan(3);
  expect(links.filter((link) => !existsSync(path.join(ROOT, link)))).toEqual([]);
});

test('the README gives the two commands first', () => {
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  expect(firstBlock).toContain('npm run dev');
  expect(firstBlock).toContain('npm test');
});
