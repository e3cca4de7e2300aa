import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { DocumentDownloadError, downloadLifecycleDocuments, safeName } from '../client/gateway-documents';

/** Where `npm run dev` runs the gateway; the default when neither flag nor variable names one. */
const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8080';

interface DocumentsFlags {
  out?: string;
  gateway?: string;
  apiKeyFile?: string;
  force?: boolean;
}

/**
 * `hotdocs-temporal documents <lifecycleId>`: downloads every stored document of a lifecycle over
 * the HTTP gateway, checks each SHA-256, and prints JSON of what it wrote. The API key comes from
 * HOTDOCS_GATEWAY_API_KEY or a file, never the command line (where `ps` would show it).
 */
export function registerDocumentsCommand(program: Command): Command {
  return program
    .command('documents')
    .argument('<lifecycleId>')
    .description(
      "Download a lifecycle's documents over the HTTP gateway into <out>/<versionId>/<fileName>, " +
        'checking each SHA-256; prints JSON of the files written',
    )
    .addOption(new Option('--out <dir>', 'folder to write to (default: ./<lifecycleId>)'))
    .addOption(
      new Option(
        '--gateway <url>',
        `the gateway's base URL (default: HOTDOCS_GATEWAY_URL, else ${DEFAULT_GATEWAY_URL})`,
      ),
    )
    .addOption(
      new Option('--api-key-file <file>', 'file holding the API key (default: HOTDOCS_GATEWAY_API_KEY)'),
    )
    .addOption(new Option('--force', 'replace files that exist (default: stop before writing anything)'))
    .addHelpText(
      'after',
      '\nExample (against npm run dev, once the demo lifecycle has completed):\n' +
        '  $ export HOTDOCS_GATEWAY_API_KEY=$(cat .data/dev/api-key)\n' +
        '  $ npx hotdocs-temporal documents assembly-demo-1 --out ./demo-documents',
    )
    .action(async (lifecycleId: string, flags: DocumentsFlags) => {
      try {
        const apiKey = await apiKeyFrom(flags);
        const outDir = flags.out ?? safeName(lifecycleId);
        const documents = await downloadLifecycleDocuments({
          gatewayUrl: flags.gateway ?? (process.env['HOTDOCS_GATEWAY_URL'] || DEFAULT_GATEWAY_URL),
          apiKey,
          lifecycleId,
          outDir,
          force: flags.force === true,
        });
        process.stdout.write(`${JSON.stringify({ lifecycleId, outDir, documents }, null, 2)}\n`);
      } catch (error) {
        const { exitCode, body } = failure(error);
        process.stderr.write(`${JSON.stringify({ error: body }, null, 2)}\n`);
        process.exitCode = exitCode;
      }
    });
}

class UsageError extends Error {}

async function apiKeyFrom(flags: DocumentsFlags): Promise<string> {
  if (flags.apiKeyFile !== undefined) {
    const text = await readFile(flags.apiKeyFile, 'utf8').catch((error: unknown) => {
      throw new UsageError(
        `cannot read --api-key-file ${flags.apiKeyFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    });
    const key = text.trim();
    if (key === '') throw new UsageError(`--api-key-file ${flags.apiKeyFile} is empty`);
    return key;
  }
  const key = (process.env['HOTDOCS_GATEWAY_API_KEY'] ?? '').trim();
  if (key === '')
    throw new UsageError('an API key is required: set HOTDOCS_GATEWAY_API_KEY or pass --api-key-file <file>');
  return key;
}

function failure(error: unknown): { exitCode: number; body: Record<string, unknown> } {
  if (error instanceof UsageError)
    return { exitCode: 2, body: { code: 'invalid-input', message: error.message } };
  if (error instanceof DocumentDownloadError) {
    return {
      exitCode: 1,
      body: {
        code: error.code,
        message: error.message,
        ...(error.gatewayCode !== undefined && { gatewayCode: error.gatewayCode }),
      },
    };
  }
  return {
    exitCode: 1,
    body: { code: 'unexpected-error', message: error instanceof Error ? error.message : String(error) },
  };
}
