import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';

/**
 * package.json's `engines` is a promise to users: every Node version it admits must run every
 * package the lockfile installs (runtime and development), or `npm install` warns and a user on
 * the oldest admitted version meets a dependency that needs a newer one.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
};
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[] }>;
};

test('the oldest Node version package.json admits satisfies every locked package', () => {
  const oldest = semver.minVersion(manifest.engines.node)?.version;
  expect(oldest).toBeDefined();
  const unmet = Object.entries(lock.packages)
    .map(([name, entry]) => ({ name, range: Array.isArray(entry.engines) ? undefined : entry.engines?.node }))
    .filter((p): p is { name: string; range: string } => p.range !== undefined && p.name !== '')
    .filter(({ range }) => !semver.satisfies(oldest!, range))
    .map(({ name, range }) => `${name} needs node ${range}`);
  expect(unmet).toEqual([]);
});

test('the Node version running the tests is one package.json admits', () => {
  expect(semver.satisfies(process.version, manifest.engines.node)).toBe(true);
});
