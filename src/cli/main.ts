import { Command } from 'commander';
import { registerCodecServerCommand } from '../codec/cli';
import { environmentHelp } from '../config';
import { registerGatewayCommand } from '../gateway/cli';
import { registerAdvanceProbeCommand } from './advance-probe-command';
import { registerDocumentsCommand } from './documents-command';
import { registerLifecycleCommands } from './lifecycle-commands';
import { registerLifecyclesCommand } from './lifecycles-command';
import { registerReplayCheckCommand } from './replay-check';
import { registerRepairCommand } from './repair-command';

// The `hotdocs-temporal` command line. Each feature adds its own subcommand through a
// `register...Command(program)` function; this file only wires them together.
const program = new Command('hotdocs-temporal')
  .description('Durable HotDocs Advance document-assembly lifecycles on Temporal')
  .addHelpText('after', environmentHelp('cli'));

registerLifecycleCommands(program);
registerLifecyclesCommand(program);
registerDocumentsCommand(program);
registerRepairCommand(program);
registerGatewayCommand(program);
registerCodecServerCommand(program);
registerReplayCheckCommand(program);
registerAdvanceProbeCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
