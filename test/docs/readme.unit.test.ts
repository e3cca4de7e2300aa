import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The README stays true to the code: every linked file present (its variables: test/config). */
const ROOT = path.resolve(__dirname, '..', '..');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

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
