/**
 * Writes the lifecycle's contract as JSON Schema files, `schemas/<name>.json`, from the zod schemas
 * listed in src/client/contract-schemas.ts (`npm run build`). The files are committed, so business
 * systems in other languages can read them without building anything; a unit test fails when one
 * is stale (test/schemas/contract-schemas.unit.test.ts).
 *
 *   npx tsx tools/schemas/write-contract-schemas.ts [--check]
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { contractSchemaFiles } from './contract-schema-files';

export const SCHEMAS_DIR = path.resolve(__dirname, '..', '..', 'schemas');

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const files = contractSchemaFiles();
  await mkdir(SCHEMAS_DIR, { recursive: true });
  const stale: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    const target = path.join(SCHEMAS_DIR, file);
    const current = await readFile(target, 'utf8').catch(() => undefined);
    if (current === text) continue;
    stale.push(file);
    if (!check) await writeFile(target, text);
  }
  // A schema taken out of the contract takes its file with it.
  for (const file of await readdir(SCHEMAS_DIR)) {
    if (file.endsWith('.json') && !(file in files)) {
      stale.push(file);
      if (!check) await rm(path.join(SCHEMAS_DIR, file));
    }
  }
  const verb = check ? 'stale' : 'written';
  console.log(
    `contract schemas: ${Object.keys(files).length} in schemas/, ${stale.length} ${verb}${stale.length > 0 ? `: ${stale.join(', ')}` : ''}`,
  );
  if (check && stale.length > 0) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
