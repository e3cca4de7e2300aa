import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Every dependency with an install script is decided in package.json's `allowScripts` (npm 11
 * warns about each one that is not, npm 12 skips it), with the reason in CONTRIBUTING.md, so a
 * newcomer's `npm install` prints no warning and a new dependency's script is a decision, not a
 * surprise.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  allowScripts?: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; hasInstallScript?: boolean }>;
};

/** Name (and version) of every locked package that has an install script. */
const withScripts = Object.entries(lock.packages)
  .filter(([where, entry]) => where !== '' && entry.hasInstallScript === true)
  .map(([where, entry]) => ({ name: where.replace(/^.*node_modules\//, ''), version: entry.version }));

/** `name` or `name@version` of an allowScripts key. */
const entryName = (key: string) => key.replace(/(?<=.)@[^@/]+$/, '');

test('every dependency with an install script is allowed or denied in allowScripts', () => {
  const decided = new Set(Object.keys(pkg.allowScripts ?? {}).map(entryName));
  expect(withScripts.length).toBeGreaterThan(0);
  expect(withScripts.filter(({ name }) => !decided.has(name))).toEqual([]);
});

test('allowScripts names no package that has no install script any more (npm install-scripts prune)', () => {
  const names = new Set(withScripts.map(({ name }) => name));
  expect(Object.keys(pkg.allowScripts ?? {}).filter((key) => !names.has(entryName(key)))).toEqual([]);
});

test('CONTRIBUTING.md gives the reason for each decision', () => {
  const contributing = readFileSync(path.join(ROOT, 'CONTRIBUTING.md'), 'utf8');
  for (const name of Object.keys(pkg.allowScripts ?? {}).map(entryName))
    expect({ name, explained: contributing.includes(`\`${name}\``) }).toEqual({ name, explained: true });
});
