import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_BEHAVIOUR, EmulatorOptionsError, startEmulator, type RunningEmulator } from './index';

interface EmulatorCommandOptions {
  port: number;
  host: string;
  clientName: string;
  principalName: string;
  principalPassword: string;
  scope: 'Query' | 'Command' | 'Root';
  tokenLifetime: number;
  tokenFormat: 'jwt' | 'opaque';
  publicUrl?: string;
  finishUrl?: string;
  seed: number;
  stateFile?: string;
  behaviour?: string;
  quiet: boolean;
}

/**
 * `npm run emulator` (`hotdocs-advance-emulator`): runs the local HotDocs Advance emulator until
 * SIGINT or SIGTERM. A development tool of this repository, not part of the published package.
 */
export function emulatorCommand(): Command {
  return new Command('hotdocs-advance-emulator')
    .description(
      'Run a local HotDocs Advance emulator (REST API, auth, interview page, fault injection). ' +
        'For local development and tests only: its /__emulator control endpoints have no authentication.',
    )
    .addOption(
      new Option('--port <n>', 'port to listen on (0 picks a free port)').default(8400).argParser(integer),
    )
    .addOption(new Option('--host <host>', 'interface to listen on').default('127.0.0.1'))
    .addOption(
      new Option('--client-name <name>', 'API client name accepted at login').default('hotdocs-temporal'),
    )
    .addOption(
      new Option('--principal-name <name>', 'service principal name accepted at login').default(
        'orchestrator',
      ),
    )
    .addOption(
      // A local emulator's well-known password, not a secret; shown so a newcomer can log in.
      new Option('--principal-password <password>', 'service principal password accepted at login')
        .default('emulator-secret')
        .env('EMULATOR_PRINCIPAL_PASSWORD'),
    )
    .addOption(
      new Option('--scope <scope>', 'scope of the API client')
        .choices(['Query', 'Command', 'Root'])
        .default('Command'),
    )
    .addOption(
      new Option('--token-lifetime <seconds>', 'access token lifetime in seconds')
        .default(3600)
        .argParser(positive),
    )
    .addOption(
      new Option('--token-format <format>', 'access token format').choices(['jwt', 'opaque']).default('jwt'),
    )
    .addOption(
      // Commander shows no default for an undefined value, so the description states it.
      new Option(
        '--public-url <url>',
        'origin used in generated links such as interviewJsUrl (default: the listening origin)',
      ),
    )
    .addOption(
      new Option(
        '--finish-url <template>',
        'URL template the interview page posts to on Finish; {workItemId}, {versionId} and ' +
          '{coreSessionId} are filled in (default: none, the page shows "Interview finished")',
      ),
    )
    .addOption(new Option('--seed <n>', 'seed for rate-based fault injection').default(1).argParser(integer))
    .addOption(
      new Option(
        '--state-file <file>',
        'keep the work items in this JSON file across restarts (default: in memory only)',
      ),
    )
    .addOption(
      new Option(
        '--behaviour <file>',
        'behaviour switches from a JSON file { "behaviour": {...} }, as hotdocs-temporal advance-probe ' +
          '--emulator-config writes it for a tenancy (default: none, every switch at its default)',
      ),
    )
    .addOption(new Option('--quiet', 'do not print a line per request').default(false))
    .action(async (options: EmulatorCommandOptions) => {
      let emulator: RunningEmulator;
      try {
        emulator = await startEmulator({
          port: options.port,
          host: options.host,
          clientName: options.clientName,
          principalName: options.principalName,
          principalPassword: options.principalPassword,
          scope: options.scope,
          tokenLifetimeSeconds: options.tokenLifetime,
          tokenFormat: options.tokenFormat,
          ...(options.publicUrl !== undefined && { publicUrl: options.publicUrl }),
          ...(options.finishUrl !== undefined && { interviewFinishUrl: options.finishUrl }),
          faults: { seed: options.seed },
          ...(options.stateFile !== undefined && { stateFile: options.stateFile }),
          ...(options.behaviour !== undefined && { behaviourFile: options.behaviour }),
          ...(!options.quiet && { logger: (message: string) => console.log(message) }),
        });
      } catch (error) {
        if (!(error instanceof EmulatorOptionsError)) throw error;
        console.error(error.message);
        process.exitCode = 1;
        return;
      }
      if (options.behaviour !== undefined) console.log(behaviourLine(options.behaviour, emulator));
      console.log(startupLine(emulator));
      closeOnSignals(emulator);
    });
}

function startupLine(emulator: RunningEmulator): string {
  const { cloud, onPremise, apis, controlUrl, credentials } = emulator;
  return (
    `HotDocs Advance emulator ready: cloud base ${cloud.baseUrl} auth ${cloud.authUrl} | ` +
    `on-premise base ${onPremise.baseUrl} auth ${onPremise.authUrl} | ` +
    `v2.0 bases ${apis['v2.0'].cloud.baseUrl} ${apis['v2.0'].onPremise.baseUrl} | control ${controlUrl} | ` +
    `client "${credentials.clientName}" principal "${credentials.principalName}"`
  );
}

/** Which switches differ from the defaults, so a reader sees what the file changed. */
function behaviourLine(file: string, emulator: RunningEmulator): string {
  const behaviour = emulator.behaviour();
  const changed = Object.entries(behaviour)
    .filter(([name, value]) => DEFAULT_BEHAVIOUR[name as keyof typeof behaviour] !== value)
    .map(([name, value]) => `${name}=${String(value)}`);
  return `behaviour from ${file}: ${changed.length === 0 ? 'every switch at its default' : changed.join(' ')}`;
}

function closeOnSignals(emulator: RunningEmulator): void {
  const stop = (signal: NodeJS.Signals): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    console.log(`${signal}: closing the emulator`);
    emulator.close().then(
      () => console.log('emulator closed'),
      (error: unknown) => {
        console.error('emulator did not close cleanly:', error);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function integer(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError('expected an integer');
  return parsed;
}

function positive(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError('expected a positive number');
  return parsed;
}
