import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { Option, type Command } from 'commander';
import {
  DEFAULT_BULK_REPAIR_LIMIT,
  DEFAULT_BULK_REPAIR_RATE,
  LifecycleInputError,
  repairInBulk,
  checkCorrectedAnswers,
  repairWithCorrectedAnswers,
  type BulkRepairAction,
  type BulkRepairSummary,
  type RepairAction,
} from '../client';
import { loadDocumentStoreConfig } from '../config';
import { createDocumentStore } from '../documents/create-store';
import { examples, execute, withConnectionOptions, type ConnectionFlags } from './lifecycle-commands';

interface RepairFlags extends ConnectionFlags {
  retry?: boolean;
  acceptCompleted?: boolean;
  abandon?: boolean;
  note?: string;
  by?: string;
  query?: string;
  dryRun?: boolean;
  rate: string;
  limit: string;
  yes?: boolean;
  answers?: string;
}

/**
 * `hotdocs-temporal repair <id> --retry|--accept-completed|--abandon [--note text]`: an
 * operator's answer to a lifecycle waiting in `needs-attention` (the `repair` update). With
 * `--query` instead of an id, every lifecycle in needs-attention on the task queue that the query matches, at
 * `--rate` a second, with progress on stderr and a summary on stdout.
 */
export function registerRepairCommand(program: Command): Command {
  return withConnectionOptions(program.command('repair').argument('[lifecycleId]'))
    .description(
      'Repair a lifecycle that needs attention (stage needs-attention): retry the failed call, ' +
        'accept a completion Advance could not confirm, or abandon the lifecycle; exactly one action. ' +
        'With --query, every lifecycle in needs-attention the query matches (retry or abandon)',
    )
    .addOption(new Option('--retry', 'retry the failed call now (after fixing its cause, e.g. the password)'))
    .addOption(
      new Option('--accept-completed', 'Advance did complete the session: collect its documents and go on'),
    )
    .addOption(new Option('--abandon', 'end the lifecycle as failed'))
    .addOption(
      new Option('--note <text>', 'why, for the record (status and history; at most 500 characters)'),
    )
    .addOption(new Option('--by <name>', 'who repairs, for the record (default: your OS user name)'))
    .addOption(
      new Option(
        '--query <query>',
        'repair every lifecycle in needs-attention this visibility query matches, e.g. "HotDocsTenancy = \'acme\'"',
      ),
    )
    .addOption(new Option('--dry-run', 'with --query: list the lifecycles it would repair, change nothing'))
    .addOption(
      new Option('--rate <n>', 'with --query: repairs started per second').default(
        String(DEFAULT_BULK_REPAIR_RATE),
      ),
    )
    .addOption(
      new Option('--limit <n>', 'with --query: refuse more matches than this without --yes').default(
        String(DEFAULT_BULK_REPAIR_LIMIT),
      ),
    )
    .addOption(new Option('--yes', 'with --query: repair every match, however many'))
    .addOption(
      new Option(
        '--answers <file>',
        "with --retry, v2.0: corrected answer XML, put as the version's answer set before the retry " +
          "(stored in the document store that DOCUMENT_STORE* configures, as the worker's; only its reference is sent)",
      ),
    )
    .addHelpText(
      'after',
      examples(
        'hotdocs-temporal repair assembly-lease-42 --retry --note "principal password rotated"',
        'hotdocs-temporal repair assembly-lease-42 --accept-completed --note "documents seen in Advance"',
        'hotdocs-temporal repair assembly-lease-42 --abandon',
        'hotdocs-temporal repair assembly-lease-42 --retry --answers corrected.xml --note "tenant name fixed"',
        'hotdocs-temporal repair --query "HotDocsTenancy = \'acme\'" --retry --dry-run',
        'hotdocs-temporal repair --query "HotDocsTenancy = \'acme\'" --retry --rate 5 --note "password rotated"',
      ),
    )
    .action((lifecycleId: string | undefined, flags: RepairFlags) =>
      execute(flags, async (connect) => {
        const action = chosenAction(flags);
        const by = flags.by ?? operatorName();
        if (flags.query !== undefined) {
          if (lifecycleId !== undefined)
            throw new LifecycleInputError(['give a lifecycle id or --query, not both'], 'repair request');
          return repairMatching(await connect(), flags, action, by);
        }
        if (lifecycleId === undefined)
          throw new LifecycleInputError(['give a lifecycle id, or --query to repair many'], 'repair request');
        if (flags.answers !== undefined) return repairWithAnswers(lifecycleId, flags, action, by, connect);
        const outcome = await (
          await connect()
        ).repair(lifecycleId, { action, by, ...(flags.note !== undefined && { note: flags.note }) });
        return { lifecycleId, ...outcome };
      }),
    );
}

async function repairMatching(
  lifecycles: Parameters<typeof repairInBulk>[0],
  flags: RepairFlags,
  action: RepairAction,
  by: string,
): Promise<BulkRepairSummary> {
  const summary = await repairInBulk(
    lifecycles,
    {
      query: flags.query ?? '',
      action: action as BulkRepairAction,
      by,
      ...(flags.note !== undefined && { note: flags.note }),
      dryRun: flags.dryRun === true,
      limit: number(flags.limit, '--limit'),
      confirmed: flags.yes === true,
      ratePerSecond: number(flags.rate, '--rate'),
    },
    {
      onProgress: ({ done, total, lifecycle }) =>
        process.stderr.write(
          `[${done}/${total}] ${lifecycle.lifecycleId}: ${lifecycle.outcome}` +
            `${lifecycle.stage === undefined ? '' : ` (now ${lifecycle.stage})`}` +
            `${lifecycle.error === undefined ? '' : ` — ${lifecycle.error}`}\n`,
        ),
    },
  );
  process.stderr.write(
    summary.dryRun
      ? `dry run: ${summary.matched} lifecycle(s) would be repaired (${action}); nothing was changed\n`
      : `${summary.matched} matched: ${summary.repaired} repaired, ${summary.refused} refused, ` +
          `${summary.failed} failed, ${summary.skipped} skipped\n`,
  );
  if (summary.failed > 0) process.exitCode = 1;
  return summary;
}

/**
 * `--answers`: checked and stored before anything reaches the lifecycle; the store is the one the
 * worker reads, configured by the same variables.
 */
async function repairWithAnswers(
  lifecycleId: string,
  flags: RepairFlags,
  action: RepairAction,
  by: string,
  connect: () => Promise<Parameters<typeof repairWithCorrectedAnswers>[0]>,
) {
  if (action !== 'retry' || flags.query !== undefined)
    throw new LifecycleInputError(['--answers goes with --retry and one lifecycle id'], 'repair request');
  const problems: string[] = [];
  const storeConfig = loadDocumentStoreConfig(process.env, problems);
  if (problems.length > 0) throw new LifecycleInputError(problems, 'document store configuration');
  const xml = await readFile(flags.answers as string, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new LifecycleInputError(
      [`--answers ${flags.answers}: ${error.code ?? error.message}`],
      'repair request',
    );
  });
  // Before connecting: bad answers are reported without Temporal being reachable.
  checkCorrectedAnswers(xml);
  const outcome = await repairWithCorrectedAnswers(
    await connect(),
    createDocumentStore(storeConfig),
    lifecycleId,
    xml,
    {
      by,
      ...(flags.note !== undefined && { note: flags.note }),
    },
  );
  return { lifecycleId, ...outcome };
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

function number(text: string, flag: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n))
    throw new LifecycleInputError([`${flag} must be a number`], 'repair request');
  return n;
}

/** Who runs the command: the OS user (a container without one: the USER variable, else "cli"). */
function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] || 'cli';
  }
}
