import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The README starts with what a newcomer runs (its references and variables are checked elsewhere). */
const ROOT = path.resolve(__dirname, '..', '..');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

test('the README gives the two commands first', () => {
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  expect(firstBlock).toContain('npm run dev');
  expect(firstBlock).toContain('npm test');
});
