import { Option, type Command } from 'commander';
import { LifecycleInputError, type RepairAction } from '../client';
import { examples, execute, withConnectionOptions, type ConnectionFlags } from './lifecycle-commands';

interface RepairFlags extends ConnectionFlags {
  retry?: boolean;
  acceptCompleted?: boolean;
  abandon?: boolean;
  note?: string;
}

/**
 * `hotdocs-temporal repair <id> --retry|--accept-completed|--abandon [--note text]`: an
 * operator's answer to a lifecycle waiting in `needs-attention` (the `repair` update).
 */
export function registerRepairCommand(program: Command): Command {
  return withConnectionOptions(program.command('repair').argument('<lifecycleId>'))
    .description(
      'Repair a lifecycle that needs attention (stage needs-attention): retry the failed call, ' +
        'accept a completion Advance could not confirm, or abandon the lifecycle; exactly one action',
    )
    .addOption(new Option('--retry', 'retry the failed call now (after fixing its cause, e.g. the password)'))
    .addOption(
      new Option('--accept-completed', 'Advance did complete the session: collect its documents and go on'),
    )
    .addOption(new Option('--abandon', 'end the lifecycle as failed'))
    .addOption(
      new Option('--note <text>', 'why, for the record (status and history; at most 500 characters)'),
    )
    .addHelpText(
      'after',
      examples(
        'hotdocs-temporal repair assembly-lease-42 --retry --note "principal password rotated"',
        'hotdocs-temporal repair assembly-lease-42 --accept-completed --note "documents seen in Advance"',
        'hotdocs-temporal repair assembly-lease-42 --abandon',
      ),
    )
    .action((lifecycleId: string, flags: RepairFlags) =>
      execute(flags, async (connect) => {
        const action = chosenAction(flags);
        const outcome = await (
          await connect()
        ).repair(lifecycleId, { action, ...(flags.note !== undefined && { note: flags.note }) });
        return { lifecycleId, ...outcome };
      }),
    );
}

/** Exactly one of the three flags; checked before anything reaches Temporal. */
function chosenAction(flags: RepairFlags): RepairAction {
  const chosen: RepairAction[] = [
    ...(flags.retry === true ? (['retry'] as const) : []),
    ...(flags.acceptCompleted === true ? (['accept-completed'] as const) : []),
    ...(flags.abandon === true ? (['abandon'] as const) : []),
  ];
  const [action] = chosen;
  if (chosen.length !== 1 || action === undefined) {
    throw new LifecycleInputError(
      ['give exactly one of --retry, --accept-completed, --abandon'],
      'repair request',
    );
  }
  return action;
}
