import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { DocumentDownloadError, downloadLifecycleDocuments, safeName } from '../client/gateway-documents';
import { ConfigError, CLI_SETTINGS } from '../config';
import { read } from '../config/env';

const { gatewayUrl: GATEWAY_URL, gatewayApiKey: GATEWAY_API_KEY } = CLI_SETTINGS;

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
        `the gateway's base URL (default: ${GATEWAY_URL.name}, else ${GATEWAY_URL.default})`,
      ),
    )
    .addOption(
      new Option('--api-key-file <file>', `file holding the API key (default: ${GATEWAY_API_KEY.name})`),
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
          gatewayUrl: flags.gateway ?? gatewayUrlFromEnvironment(),
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
  const key = read(GATEWAY_API_KEY, process.env, []);
  if (key === undefined)
    throw new UsageError(`an API key is required: set ${GATEWAY_API_KEY.name} or pass --api-key-file <file>`);
  return key;
}

function gatewayUrlFromEnvironment(): string {
  const problems: string[] = [];
  const url = read(GATEWAY_URL, process.env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return url;
}

function failure(error: unknown): { exitCode: number; body: Record<string, unknown> } {
  if (error instanceof UsageError)
    return { exitCode: 2, body: { code: 'invalid-input', message: error.message } };
  if (error instanceof ConfigError)
    return { exitCode: 2, body: { code: 'invalid-configuration', message: error.problems.join('; ') } };
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
