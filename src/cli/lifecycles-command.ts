import { Option, type Command } from 'commander';
import {
  LIFECYCLE_STAGES,
  LifecycleInputError,
  lifecycleQuery,
  listLifecycles,
  type LifecycleListing,
} from '../client';
import { examples, execute, withConnectionOptions, type ConnectionFlags } from './lifecycle-commands';

interface ListFlags extends ConnectionFlags {
  stage?: string;
  tenancy?: string;
  query?: string;
  all?: boolean;
  limit: string;
  pageSize: string;
  json?: boolean;
}

/**
 * `hotdocs-temporal lifecycles list [--stage S] [--tenancy T] [--query Q] [--all] [--json]`:
 * lifecycles of the configured task queue found through Temporal visibility (search attributes,
 * no workflow task), read page by page up to `--limit`; a table, or JSON with `--json`.
 */
export function registerLifecyclesCommand(program: Command): Command {
  const lifecycles = program.command('lifecycles').description('Find lifecycles (Temporal visibility)');
  withConnectionOptions(lifecycles.command('list'))
    .description(
      'List the lifecycles of the task queue (--task-queue, TEMPORAL_TASK_QUEUE) by stage, tenancy ' +
        'or any visibility query: running ones unless --all; a table, or JSON with --json',
    )
    .addOption(new Option('--stage <stage>', 'only this stage').choices(LIFECYCLE_STAGES))
    .addOption(new Option('--tenancy <name>', 'only this tenancy'))
    .addOption(new Option('--query <query>', "more clauses, in Temporal's visibility query language (ANDed)"))
    .addOption(new Option('--all', 'ended lifecycles too'))
    .addOption(new Option('--limit <n>', 'at most this many').default('100'))
    .addOption(new Option('--page-size <n>', 'lifecycles per visibility call').default('100'))
    .addOption(new Option('--json', 'JSON instead of a table'))
    .addHelpText(
      'after',
      examples(
        'hotdocs-temporal lifecycles list --stage needs-attention --tenancy acme',
        'hotdocs-temporal lifecycles list --query "HotDocsOwner = \'crm\'" --all --json',
      ),
    )
    .action((flags: ListFlags) =>
      execute(
        flags,
        async (connect) => {
          const filter = {
            ...(flags.stage !== undefined && { stage: flags.stage }),
            ...(flags.tenancy !== undefined && { tenancy: flags.tenancy }),
            ...(flags.query !== undefined && { query: flags.query }),
            includeEnded: flags.all === true,
          };
          lifecycleQuery(filter); // refuses bad input before connecting
          const limit = count(flags.limit, '--limit', 10_000);
          const pageSize = count(flags.pageSize, '--page-size', 1_000);
          const lifecycles = await connect();
          const query = lifecycleQuery({ ...filter, taskQueue: lifecycles.taskQueue });
          return listLifecycles(lifecycles.temporal, query, { limit, pageSize });
        },
        flags.json === true ? undefined : lifecycleTable,
      ),
    );
  return program;
}

function count(text: string, flag: string, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > max)
    throw new LifecycleInputError([`${flag} must be a whole number from 1 to ${max}`], 'list options');
  return n;
}

const COLUMNS: [string, (l: LifecycleListing['lifecycles'][number]) => string | undefined][] = [
  ['LIFECYCLE', (l) => l.lifecycleId],
  ['STAGE', (l) => l.stage ?? (l.status === 'RUNNING' ? undefined : l.status.toLowerCase())],
  ['TENANCY', (l) => l.tenancy],
  ['BUSINESS KEY', (l) => l.businessKey],
  ['STARTED', (l) => l.startedAt],
  ['WAITING SINCE', (l) => l.waitingSince],
];

/** A plain table for people, and below it how many, and whether more matched. */
export function lifecycleTable(listing: LifecycleListing): string {
  const rows = listing.lifecycles.map((lifecycle) => COLUMNS.map(([, cell]) => cell(lifecycle) ?? '-'));
  const widths = COLUMNS.map(([title], i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const footer = `${listing.lifecycles.length} lifecycle(s)${listing.truncated ? ' shown; more match: raise --limit or narrow the query' : ''}`;
  return [line(COLUMNS.map(([title]) => title)), ...rows.map(line), '', footer].join('\n');
}
