import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import madge from 'madge';
import ts from 'typescript';

/**
 * The product's sources stay small enough for one person to hold in mind: no file over 500 lines,
 * no function over 120, and no import cycle (type imports included) — a cycle makes module load
 * order matter and usually means two rooms that should be one, or a third one missing.
 */
const SRC = path.resolve(__dirname, '..', '..', 'src');
const MAX_FILE_LINES = 500;
const MAX_FUNCTION_LINES = 120;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function longFunctions(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      if (end - start + 1 > MAX_FUNCTION_LINES) {
        const name = (node as ts.FunctionLikeDeclaration).name?.getText(source) ?? '(anonymous)';
        found.push(`${path.relative(SRC, file)}:${start + 1} ${name}: ${end - start + 1} lines`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const files = sourceFiles(SRC);

test('no source file is over 500 lines', () => {
  const long = files
    .map((file) => ({ file, lines: readFileSync(file, 'utf8').split('\n').length }))
    .filter(({ lines }) => lines > MAX_FILE_LINES)
    .map(({ file, lines }) => `${path.relative(SRC, file)}: ${lines} lines`);
  expect(files.length).toBeGreaterThan(50);
  expect(long).toEqual([]);
});

test('no function is over 120 lines', () => {
  expect(files.flatMap(longFunctions)).toEqual([]);
});

test('no import cycle among the sources, type imports included', async () => {
  const graph = await madge(SRC, {
    fileExtensions: ['ts'],
    tsConfig: path.resolve(SRC, '..', 'tsconfig.json'),
  });
  expect(Object.keys(graph.obj()).length).toBe(files.length);
  expect(graph.circular()).toEqual([]);
});
