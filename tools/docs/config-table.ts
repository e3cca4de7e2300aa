/**
 * Writes the configuration tables of the docs from src/config's tables, so a variable, its default
 * and its meaning are written once, beside the code that reads it. A table in a Markdown file sits
 * between `<!-- config-table: <table id> [NAME …] -->` and `<!-- /config-table -->`; the names, if
 * given, choose its rows (a name ending in `_` stands for every name it starts):
 *
 *   npx tsx tools/docs/config-table.ts           # rewrites README.md and docs/*.md
 *   npx tsx tools/docs/config-table.ts --check   # exits 1 naming the files that are out of date
 *
 * test/config/tables.unit.test.ts fails when a file is out of date.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIGURATION_TABLES, tableRows, type ConfigurationTableId } from '../../src/config/tables';

const ROOT = path.resolve(__dirname, '..', '..');
const BLOCK = /(<!-- config-table: ([a-z-]+)((?: [A-Z_]+)*) -->\n)[\s\S]*?(<!-- \/config-table -->)/g;

/** The docs files that may hold configuration tables. */
export function docsFiles(): string[] {
  const docs = readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join('docs', name));
  return ['README.md', ...docs];
}

/**
 * A table as Markdown, one row per variable: all of them, or those `names` choose. Links in the
 * descriptions are written from the repository's root and made relative to `file`.
 */
function configTableMarkdown(
  id: ConfigurationTableId,
  names: readonly string[] = [],
  file = 'README.md',
): string {
  const cell = (text: string) =>
    text.replace(/\|/g, '\\|').replace(/\]\(([^)#:]+)(#[^)]*)?\)/g, (_, target: string, anchor = '') => {
      const relative = path.relative(path.dirname(file), target);
      return `](${relative === path.basename(file) && anchor !== '' ? '' : relative}${anchor})`;
    });
  const chosen = (name: string) =>
    names.length === 0 || names.some((n) => (n.endsWith('_') ? name.startsWith(n) : name === n));
  const rows = tableRows(CONFIGURATION_TABLES[id].settings)
    .filter(([name]) => chosen(name))
    .map(([name, fallback, description]) => `| \`${name}\` | ${cell(fallback)} | ${cell(description)} |`);
  if (rows.length === 0) throw new Error(`config table ${id} has no variable ${names.join(' ')}`);
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

/** `markdown` (the text of `file`) with every marked block holding its table as it is now. */
export function withConfigTables(markdown: string, file: string): string {
  return markdown.replace(BLOCK, (_, open: string, id: string, names: string, close: string) => {
    if (!(id in CONFIGURATION_TABLES)) throw new Error(`unknown config table "${id}"`);
    const chosen = names.split(' ').filter((n) => n !== '');
    return `${open}\n${configTableMarkdown(id as ConfigurationTableId, chosen, file)}\n\n${close}`;
  });
}

/** The rows of every configuration table in `markdown`, padding aside (Prettier aligns columns). */
export function configTableRows(markdown: string): string[] {
  return [...markdown.matchAll(BLOCK)].flatMap((block) =>
    block[0]
      .split('\n')
      .filter((line) => line.startsWith('|'))
      .map((line) => line.replace(/ {2,}/g, ' ').replace(/-{3,}/g, '---')),
  );
}

async function main(check: boolean): Promise<number> {
  const prettier = await import('prettier');
  const stale: string[] = [];
  for (const file of docsFiles()) {
    const full = path.join(ROOT, file);
    const text = readFileSync(full, 'utf8');
    if (!text.includes('<!-- config-table:')) continue;
    const options = (await prettier.resolveConfig(full)) ?? {};
    const next = await prettier.format(withConfigTables(text, file), { ...options, filepath: full });
    if (next === text) continue;
    stale.push(file);
    if (!check) writeFileSync(full, next);
  }
  process.stdout.write(
    stale.length === 0
      ? 'configuration tables are up to date\n'
      : `${check ? 'out of date' : 'rewritten'}: ${stale.join(', ')}\n`,
  );
  return check && stale.length > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.includes('--check')).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
