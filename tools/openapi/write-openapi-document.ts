/**
 * Writes the gateway's OpenAPI document to openapi/gateway.json (`npm run build`), for business
 * systems that generate their client from the package rather than from a running gateway. The file
 * is committed and published; a unit test fails when it is stale
 * (test/gateway/openapi-document.unit.test.ts).
 *
 *   npx tsx tools/openapi/write-openapi-document.ts [--check]
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gatewayOpenApiDocumentText, OPENAPI_DOCUMENT_PATH } from './gateway-openapi-document';

const ROOT = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const target = path.join(ROOT, OPENAPI_DOCUMENT_PATH);
  const text = await gatewayOpenApiDocumentText();
  const current = await readFile(target, 'utf8').catch(() => undefined);
  const stale = current !== text;
  if (stale && !check) {
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text);
  }
  console.log(`OpenAPI document: ${OPENAPI_DOCUMENT_PATH} ${stale ? (check ? 'stale' : 'written') : 'current'}`);
  if (check && stale) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
