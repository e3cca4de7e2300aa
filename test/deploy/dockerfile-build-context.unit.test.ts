import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The image's build stage sees only what the Dockerfile copies into it (and .dockerignore lets
 * through). Without a Docker engine here, this holds the build stage's `npm run` script against
 * those copies: every file the script names, and every project file those files import, must be
 * inside a copied path — otherwise `docker build` fails on a user's machine and nowhere here.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const DOCKERFILE = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const SCRIPTS: Record<string, string> = JSON.parse(
  readFileSync(path.join(ROOT, 'package.json'), 'utf8'),
).scripts;

function stage(name: string): string[] {
  const lines = DOCKERFILE.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  const start = lines.findIndex((l) => new RegExp(`^FROM\\s.*\\sAS\\s+${name}$`, 'i').test(l));
  const end = lines.findIndex((l, i) => i > start && /^FROM\s/i.test(l));
  return lines.slice(start, end === -1 ? undefined : end);
}

/** Paths (relative to the context) that `COPY` puts into a stage; `--from` copies are not context. */
function copiedPaths(lines: string[]): string[] {
  return lines
    .filter((l) => /^COPY\s/i.test(l) && !/--from=/.test(l))
    .flatMap((l) => l.trim().split(/\s+/).slice(1, -1))
    .map((p) => path.normalize(p).replace(/\/$/, ''));
}

/** The scripts an `npm run X` runs, `npm run Y` inside it followed. */
function scriptCommands(name: string): string[] {
  const script = SCRIPTS[name];
  if (script === undefined) throw new Error(`package.json has no script ${name}`);
  return script.split('&&').flatMap((part) => {
    const nested = /^\s*npm run (\S+)\s*$/.exec(part);
    return nested ? scriptCommands(nested[1] as string) : [part.trim()];
  });
}

/** Project files a command reads by name: `tsx <file>` and `tsc -p <config>`. */
function filesNamedBy(command: string): string[] {
  const tsx = /^tsx\s+(\S+)/.exec(command);
  const tsc = /^tsc\s+-p\s+(\S+)/.exec(command);
  return [tsx?.[1], tsc?.[1]].filter((f): f is string => f !== undefined);
}

function resolveModule(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Every project file reachable from `entry` through relative imports and require.resolve. */
function localImportGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [path.resolve(ROOT, entry)];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.endsWith('.ts')) continue;
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(
      /(?:from\s+|require(?:\.resolve)?\(\s*|import\(\s*)'(\.{1,2}\/[^']+)'/g,
    )) {
      const resolved = resolveModule(file, match[1] as string);
      if (resolved !== undefined) pending.push(resolved);
    }
  }
  return seen;
}

test('the build stage copies every project file its build script reads', () => {
  const build = stage('build');
  const run = build.map((l) => /^RUN\s+npm run (\S+)/.exec(l)?.[1]).find((s) => s !== undefined);
  expect(run).toBe('build:dist');
  const copied = copiedPaths(build);
  const entries = scriptCommands(run as string).flatMap(filesNamedBy);
  expect(entries.length).toBeGreaterThanOrEqual(2);
  const missing = entries
    .flatMap((entry) => [...localImportGraph(entry)])
    .map((file) => path.relative(ROOT, file))
    .filter((file) => !copied.some((p) => file === p || file.startsWith(`${p}/`)));
  expect([...new Set(missing)]).toEqual([]);
});

test('the image builds only the compiled code and the workflow bundles, not the published contract', () => {
  const run = stage('build')
    .map((l) => /^RUN\s+npm run (\S+)/.exec(l)?.[1])
    .find((s) => s !== undefined);
  const commands = scriptCommands(run as string);
  expect(commands.some((c) => c.includes('bundle-workflows'))).toBe(true);
  expect(commands.filter((c) => /write-(contract-schemas|openapi-document)/.test(c))).toEqual([]);
});

test('the emulator target copies every project file the emulator imports', () => {
  const copied = [...copiedPaths(stage('build')), ...copiedPaths(stage('emulator'))];
  const entrypoint = stage('emulator').find((l) => /^ENTRYPOINT\s/i.test(l)) ?? '';
  const entry = (JSON.parse(entrypoint.replace(/^ENTRYPOINT\s+/i, '')) as string[]).find((a) =>
    a.endsWith('.ts'),
  );
  expect(entry).toBe('tools/emulator/main.ts');
  const missing = [...localImportGraph(entry as string)]
    .map((file) => path.relative(ROOT, file))
    .filter((file) => !copied.some((p) => file === p || file.startsWith(`${p}/`)));
  expect(missing).toEqual([]);
});
