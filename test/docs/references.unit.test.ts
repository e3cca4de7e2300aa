import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The docs name only what exists: every repository path they give (a link, or a path in
 * backticks) and every code symbol (`LifecycleClient`, `createDocumentStore()`, `STATUS_SIZE_LIMIT`)
 * must be found in the repository. A symbol counts when the code exports it, or when it occurs in
 * code (comments left out: a renamed function must not live on in its old comment) — message
 * names, fields and variables are strings there. Names of other systems' APIs are listed below.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const SKIPPED_FOLDERS = new Set(['node_modules', '.git', '.data', 'dist', '.tools', 'coverage']);

/** Names the docs take from other systems: Temporal, S3, Azure, the HotDocs interview script. */
const EXTERNAL_NAMES = new Set([
  // Temporal server and SDK internals the benchmark notes discuss
  'TemporalChangeVersion',
  'UpsertWorkflowSearchAttributes',
  'MarkerRecorded',
  'RecordActivityTaskHeartbeat',
  'PollerBehavior',
  'getActivator',
  'deprecatePatch',
  'stackTraceLimit',
  'AddSearchAttributes',
  'DescribeWorkflowExecution',
  'StartTime',
  // S3's and Azure's APIs
  'HeadBucket',
  'uploadStream',
  // Temporal UI's server and the Azure SDK read these, not our code
  'TEMPORAL_CODEC_PASS_ACCESS_TOKEN',
  'AZURE_CLIENT_ID',
  'AZURE_TENANT_ID',
  'AZURE_CLIENT_SECRET',
  // HotDocs' interview script
  'AttachSession',
]);

export function docFiles(): string[] {
  const docs = readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  return ['README.md', 'CONTRIBUTING.md', ...docs];
}

function walk(dir: string, found: string[] = []): string[] {
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    if (SKIPPED_FOLDERS.has(entry.name)) continue;
    const relative = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) walk(relative, found);
    else found.push(relative);
  }
  return found;
}

const FILES = walk('');
const FILE_SET = new Set(FILES);
const FOLDERS = new Set(
  FILES.flatMap((file) =>
    file
      .split('/')
      .slice(0, -1)
      .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
  ),
);
const TOP_LEVEL = new Set(FILES.map((file) => file.split('/')[0]!));

/** What .gitignore files keep out of the repository: build output, run-time state, secrets. */
const IGNORED = FILES.filter((file) => file.endsWith('.gitignore')).flatMap((file) => {
  const base = path.posix.dirname(file) === '.' ? '' : `${path.posix.dirname(file)}/`;
  return readFileSync(path.join(ROOT, file), 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('!'))
    .map((pattern) => {
      const anchored = `${base}${pattern.replace(/^\//, '')}`.replace(/\/$/, '');
      const body = anchored.split('*').map(escapeRegExp).join('[^/]*');
      return new RegExp(pattern.includes('/') ? `^${body}(/|$)` : `(^|/)${body}(/|$)`);
    });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** `a/{b,c}.d` → `a/b.d`, `a/c.d`. */
function expandBraces(text: string): string[] {
  const match = /\{([^{}]*,[^{}]*)\}/.exec(text);
  if (match === null) return [text];
  return match[1]!.split(',').flatMap((option) => expandBraces(text.replace(match[0], option)));
}

/** Whether a repository path (file, folder or glob) exists, or is one the repository ignores. */
function pathExists(candidate: string): boolean {
  const clean = candidate.replace(/^\.\//, '').replace(/\/$/, '');
  if (IGNORED.some((pattern) => pattern.test(clean))) return true;
  if (!clean.includes('*')) return FILE_SET.has(clean) || FOLDERS.has(clean);
  const glob = new RegExp(`^${clean.split('*').map(escapeRegExp).join('[^/]*')}$`);
  return FILES.some((file) => glob.test(file)) || [...FOLDERS].some((folder) => glob.test(folder));
}

/** Inline code spans of a Markdown text, with their line numbers; fenced blocks are left out. */
function inlineCode(markdown: string): { line: number; code: string }[] {
  const spans: { line: number; code: string }[] = [];
  let fenced = false;
  markdown.split('\n').forEach((text, index) => {
    if (/^\s*```/.test(text)) fenced = !fenced;
    if (fenced) return;
    for (const match of text.matchAll(/`([^`]+)`/g)) spans.push({ line: index + 1, code: match[1]! });
  });
  return spans;
}

/** The repository paths a doc names: local links, and paths in backticks. */
export function namedPaths(doc: string, markdown: string): { line: number; path: string }[] {
  const named: { line: number; path: string }[] = [];
  markdown.split('\n').forEach((text, index) => {
    for (const match of text.matchAll(/\]\(([^)\s#]+)(#[^)]*)?\)/g)) {
      const target = match[1]!;
      if (/^[a-z]+:/.test(target)) continue;
      named.push({
        line: index + 1,
        path: path.posix.normalize(path.posix.join(path.posix.dirname(doc), target)),
      });
    }
  });
  for (const { line, code } of inlineCode(markdown)) {
    const word = code.split(/\s/)[0]!;
    if (/[<>…$]/.test(word) || /^[a-z]+:\/\//.test(word)) continue;
    const top = word.replace(/^\.\//, '').split('/')[0]!;
    const inFolder = word.includes('/') && TOP_LEVEL.has(top) && FOLDERS.has(top);
    const bareFile = !word.includes('/') && /^[\w.-]+\.(ts|js|mjs|md|json|ya?ml|sh|py|env)$/.test(word);
    if (inFolder) for (const expanded of expandBraces(word)) named.push({ line, path: expanded });
    else if (bareFile) named.push({ line, path: word });
  }
  return named;
}

/** Identifiers and words of string literals in code, comments left out; and what is exported. */
function codeNames(): { words: Set<string>; exported: Set<string> } {
  const words = new Set<string>();
  const exported = new Set<string>();
  const addWords = (text: string) => {
    for (const word of text.match(/[A-Za-z_$][\w$]*/g) ?? []) words.add(word);
  };
  for (const file of FILES) {
    if (file.startsWith('test/histories/') || file.startsWith('bench/results/')) continue;
    // What a clean clone does not have (test output, builds) cannot vouch for a name.
    if (IGNORED.some((pattern) => pattern.test(file))) continue;
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    if (!/\.(ts|js|mjs)$/.test(file)) {
      if (/\.(py|sh|ya?ml|json|env|example|tpl|go)$|(^|\/)(Dockerfile|run)$/.test(file)) addWords(text);
      continue;
    }
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) words.add(node.text.replace(/^#/, ''));
      else if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) addWords(node.text);
      if (
        ts.canHaveModifiers(node) &&
        ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
      ) {
        const name = (node as ts.NamedDeclaration).name;
        if (name !== undefined && ts.isIdentifier(name)) exported.add(name.text);
        if (ts.isVariableStatement(node))
          for (const declaration of node.declarationList.declarations)
            if (ts.isIdentifier(declaration.name)) exported.add(declaration.name.text);
      }
      if (ts.isExportSpecifier(node)) exported.add(node.name.text);
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { words, exported };
}

const SYMBOL = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)(\(.*\))?$/;

/** Names in backticks that read as code: calls, camelCase, PascalCase of two words, UPPER_SNAKE. */
export function namedSymbols(markdown: string): { line: number; name: string }[] {
  const named: { line: number; name: string }[] = [];
  for (const { line, code } of inlineCode(markdown)) {
    const match = SYMBOL.exec(code);
    if (match === null) continue;
    const call = match[2] !== undefined;
    for (const part of match[1]!.split('.')) {
      const codeLike =
        call ||
        /[a-z][A-Z]/.test(part) ||
        /^[A-Z][a-z0-9]+[A-Z]/.test(part) ||
        /^[A-Z][A-Z0-9]*_[A-Z0-9_]+$/.test(part);
      if (codeLike) named.push({ line, name: part });
    }
  }
  return named;
}

const { words, exported } = codeNames();

export function missingReferences(doc: string, markdown: string): string[] {
  const paths = namedPaths(doc, markdown)
    .filter(({ path: named }) =>
      named.includes('/')
        ? !pathExists(named)
        : !FILES.some((file) => path.posix.basename(file) === named) && !pathExists(named),
    )
    .map(({ line, path: named }) => `${doc}:${line}: no file or folder ${named}`);
  const symbols = namedSymbols(markdown)
    .filter(({ name }) => !exported.has(name) && !words.has(name) && !EXTERNAL_NAMES.has(name))
    .map(({ line, name }) => `${doc}:${line}: no symbol ${name} in the code`);
  return [...paths, ...symbols];
}

test('the docs name only files, folders and symbols that exist', () => {
  const missing = docFiles().flatMap((doc) =>
    missingReferences(doc, readFileSync(path.join(ROOT, doc), 'utf8')),
  );
  expect(missing).toEqual([]);
});

test('the check finds what it is meant to find', () => {
  // Planted names are joined from pieces, so that this file does not hold them whole; the last
  // one does stand here whole, but in this comment only: renamedAwayHelper.
  const joined = (...pieces: string[]) => pieces.join('');
  const [file, guide] = [joined('no-such', '-file'), joined('no-such', '-guide')];
  const [call, type, variable] = [
    joined('startEverything', 'Now'),
    joined('NoSuch', 'Client'),
    joined('NO_SUCH', '_VARIABLE'),
  ];
  const commented = joined('renamedAway', 'Helper');
  const planted = [
    `See \`src/workflows/${file}.ts\` and [the guide](docs/${guide}.md).`,
    `Call \`${call}()\`, or use \`${type}\`; it reads \`${variable}\`.`,
    `A name in a comment only does not count: \`${commented}\`.`,
    'These exist: `src/config/env.ts`, `createDocumentStore()`, `LifecycleClient.connect`, `test/histories/*.json`.',
    'Ignored output counts as present: `bench/results/latest.json`, `deploy/secrets/`.',
  ].join('\n\n');
  expect(missingReferences('README.md', planted)).toEqual([
    `README.md:1: no file or folder docs/${guide}.md`,
    `README.md:1: no file or folder src/workflows/${file}.ts`,
    `README.md:3: no symbol ${call} in the code`,
    `README.md:3: no symbol ${type} in the code`,
    `README.md:3: no symbol ${variable} in the code`,
    `README.md:5: no symbol ${commented} in the code`,
  ]);
});

test('every doc file is read, and each one names some paths or symbols', () => {
  for (const doc of docFiles()) {
    const text = readFileSync(path.join(ROOT, doc), 'utf8');
    expect({ doc, size: statSync(path.join(ROOT, doc)).size > 0 }).toEqual({ doc, size: true });
    expect({ doc, checked: namedPaths(doc, text).length + namedSymbols(text).length > 0 }).toEqual({
      doc,
      checked: true,
    });
  }
});
