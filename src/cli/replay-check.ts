import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { ReplayWorkerOptions } from '@temporalio/worker';
import { tracingWorkerOptions } from '../observability/tracing-worker';
import { Option, type Command } from 'commander';
import { invalidArgumentOf } from '../client/errors';
import { lifecycleDataConverter } from '../codec/data-converter';
import { bundleMismatch, prebuiltBundle } from '../codec/workflow-bundles';
import { loadEncryptionKeys } from '../config/encryption';
import { readTemporalConnection, TEMPORAL_SETTINGS, type TemporalConnection } from '../config/temporal';
import { LIFECYCLE_WORKFLOW_TYPE } from '../workflows/messages';
import { parseDuration } from '../workflows/duration';
// Types only: the replay machinery (the SDK's worker, its native module) loads when the command
// runs, not with every other command of the CLI.
import type { ReplayCheckResult } from './replay-histories';

/**
 * `hotdocs-temporal replay-check`: before a new build is deployed, replay the histories of the
 * lifecycles running now (and of those closed recently) against its workflow code. A lifecycle
 * whose history does not replay would fail its next workflow task on the new build: the change
 * needs `patched()` (docs/deploy.md, "Upgrading the worker").
 *
 * Exit codes: 0 every history replays; 1 at least one lifecycle would break; 2 bad flags,
 * configuration or a query the server refuses; 3 the check could not be completed (Temporal
 * unreachable, a history that could not be fetched or decoded).
 */

export const REPLAY_CHECK_EXIT = { clean: 0, breaks: 1, badInput: 2, incomplete: 3 } as const;

/** The visibility query of the lifecycles to check when none is given: running, or closed since `since`. */
export function defaultReplayQuery(since: Date): string {
  return (
    `WorkflowType = "${LIFECYCLE_WORKFLOW_TYPE}" AND ` +
    `(ExecutionStatus = "Running" OR CloseTime > "${since.toISOString()}")`
  );
}

export interface ReplayCheckFlags {
  address?: string;
  namespace?: string;
  query?: string;
  since: string;
  limit: string;
  bundle?: string;
  workflowsPath?: string;
  progressEvery: string;
  /** Whether --since was given (it shapes the default query only). */
  sinceGiven?: boolean;
}

/** A problem with the invocation (flags, environment, files), named so it can be fixed. */
export class ReplayCheckInputError extends Error {
  override readonly name = 'ReplayCheckInputError';
}

export function registerReplayCheckCommand(program: Command): Command {
  program
    .command('replay-check')
    .description(
      'Replay the histories of running and recently closed lifecycles against the workflow code ' +
        'about to be deployed; exit 1 naming every lifecycle it would break',
    )
    .addOption(
      new Option(
        '--address <host:port>',
        `Temporal frontend address (overrides ${TEMPORAL_SETTINGS.address.name})`,
      ),
    )
    .addOption(
      new Option(
        '--namespace <namespace>',
        `Temporal namespace (overrides ${TEMPORAL_SETTINGS.namespace.name})`,
      ),
    )
    .addOption(
      new Option(
        '--query <query>',
        'visibility query of the executions to replay (default: lifecycles running, or closed within --since)',
      ),
    )
    .addOption(new Option('--since <duration>', 'how far back closed lifecycles count').default('7d'))
    .addOption(new Option('--limit <n>', 'replay at most this many executions, newest first').default('500'))
    .addOption(
      new Option(
        '--bundle <file>',
        'prebuilt workflow bundle to check (default: dist/workflow-bundle.js, or dist/workflow-bundle.encrypted.js with PAYLOAD_ENCRYPTION_KEYS)',
      ),
    )
    .addOption(
      new Option('--workflows-path <path>', 'workflow sources to bundle and check instead of a bundle'),
    )
    .addOption(new Option('--progress-every <n>', 'print a progress line every n histories').default('50'))
    .addHelpText(
      'after',
      [
        '',
        'Payloads encrypted by the workers are decrypted with PAYLOAD_ENCRYPTION_KEYS (or _FILE).',
        'Exit codes: 0 all replay, 1 some would break, 2 bad flags or query, 3 the check could not be completed.',
        '',
        'Examples:',
        '  $ npm run build && hotdocs-temporal replay-check --address temporal.example.com:7233',
        '  $ hotdocs-temporal replay-check --bundle build/workflow-bundle.js --limit 2000 --since 30d',
        '  $ hotdocs-temporal replay-check --query \'WorkflowType = "assemblyLifecycle" AND HotDocsTenancy = "eu"\'',
      ].join('\n'),
    )
    .action(async (flags: ReplayCheckFlags, command: Command) => {
      const sinceGiven = command.getOptionValueSource('since') === 'cli';
      process.exitCode = await replayCheck({ ...flags, sinceGiven }, process.env);
    });
  return program;
}

/** Runs the check and prints its report; resolves with the exit code. */
async function replayCheck(flags: ReplayCheckFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  let plan: CheckPlan;
  try {
    plan = planCheck(flags, env);
  } catch (error) {
    if (!(error instanceof ReplayCheckInputError)) throw error;
    reportError('invalid-input', error.message);
    return REPLAY_CHECK_EXIT.badInput;
  }
  // require, not import(): it must resolve in the compiled CommonJS and under tsx alike.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const replay = require('./replay-histories') as typeof import('./replay-histories');
  const { replayLifecycles } = replay;
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect(plan.connectionOptions).catch((error: unknown) => {
      throw new Error(`cannot reach Temporal at ${plan.address}: ${(error as Error).message}`);
    });
    const client = new Client({ connection, namespace: plan.namespace });
    out(`replay-check: namespace ${plan.namespace} at ${plan.address}`);
    out(`  workflow code: ${plan.codeDescription}`);
    out(`  query: ${plan.query}`);
    const count = await countMatching(client, plan.query);
    out(`  matching executions: ${count}; replaying ${Math.min(count, plan.limit)} (--limit ${plan.limit})`);
    const results = replayLifecycles({
      client,
      query: plan.query,
      limit: plan.limit,
      replay: plan.replay,
      keyIds: plan.keyIds,
      quiet: true,
    });
    const tally = await tallyResults(results, plan, Math.min(count, plan.limit), out);
    return summarize(tally, out);
  } catch (error) {
    if (error instanceof ReplayCheckInputError) {
      reportError('invalid-input', error.message);
      return REPLAY_CHECK_EXIT.badInput;
    }
    reportError('check-incomplete', (error as Error).message);
    return REPLAY_CHECK_EXIT.incomplete;
  } finally {
    await connection?.close();
  }
}

export interface CheckPlan extends TemporalConnection {
  query: string;
  limit: number;
  progressEvery: number;
  replay: ReplayWorkerOptions;
  keyIds: string[];
  codeDescription: string;
}

/** Everything the flags and the environment decide, checked before anything connects. */
export function planCheck(flags: ReplayCheckFlags, env: NodeJS.ProcessEnv): CheckPlan {
  const limit = positiveWhole(flags.limit, '--limit');
  const progressEvery = positiveWhole(flags.progressEvery, '--progress-every');
  const sinceMs = parseDuration(flags.since);
  if (sinceMs === undefined || sinceMs <= 0) {
    throw new ReplayCheckInputError(`--since must be a duration such as 7d, 36h or 2w, not "${flags.since}"`);
  }
  if (flags.query !== undefined && flags.sinceGiven === true) {
    throw new ReplayCheckInputError(
      '--since shapes the default query only: give --query or --since, not both',
    );
  }
  if (flags.query !== undefined && flags.query.trim() === '') {
    throw new ReplayCheckInputError('--query is empty');
  }
  const problems: string[] = [];
  const keys = loadEncryptionKeys(env, problems);
  const connection = readTemporalConnection(env, problems, flags);
  if (problems.length > 0) throw new ReplayCheckInputError(problems.join('; '));
  const encrypted = keys.length > 0;
  const { workflowCode, codeDescription } = workflowCodeToCheck(flags, encrypted);
  return {
    ...connection,
    query: flags.query ?? defaultReplayQuery(new Date(Date.now() - sinceMs)),
    limit,
    progressEvery,
    keyIds: keys.map((key) => key.id),
    // The worker's workflow interceptors (a bundle has them built in) and the sink they export to.
    replay: {
      ...workflowCode,
      ...tracingWorkerOptions(undefined),
      dataConverter: lifecycleDataConverter(keys),
    },
    codeDescription: `${codeDescription}${encrypted ? `; payloads decrypted with key(s) ${keys.map((k) => k.id).join(', ')}` : ''}`,
  };
}

/** The bundle (or sources) to replay against, fitting the deployment's encryption setting. */
function workflowCodeToCheck(
  flags: ReplayCheckFlags,
  encrypted: boolean,
): { workflowCode: Pick<ReplayWorkerOptions, 'workflowBundle' | 'workflowsPath'>; codeDescription: string } {
  if (flags.bundle !== undefined && flags.workflowsPath !== undefined) {
    throw new ReplayCheckInputError('give --bundle or --workflows-path, not both');
  }
  if (flags.workflowsPath !== undefined) {
    const sources = path.resolve(flags.workflowsPath);
    if (!existsSync(sources)) throw new ReplayCheckInputError(`--workflows-path: ${sources} does not exist`);
    return { workflowCode: { workflowsPath: sources }, codeDescription: `sources ${sources}` };
  }
  const bundle = path.resolve(flags.bundle ?? prebuiltBundle(encrypted));
  const flag = flags.bundle === undefined ? 'the default bundle' : '--bundle';
  if (!existsSync(bundle) || !statSync(bundle).isFile()) {
    throw new ReplayCheckInputError(
      `${flag}: no file at ${bundle} (run npm run build, or pass --bundle <file> or --workflows-path <dir>)`,
    );
  }
  const mismatch = bundleMismatch(readFileSync(bundle, 'utf8'), encrypted);
  if (mismatch !== undefined) throw new ReplayCheckInputError(`${flag}: ${bundle} does not fit: ${mismatch}`);
  return { workflowCode: { workflowBundle: { codePath: bundle } }, codeDescription: `bundle ${bundle}` };
}

/** How many executions the query selects; a query the server refuses is the caller's to fix. */
async function countMatching(client: Client, query: string): Promise<number> {
  try {
    return (await client.workflow.count(query)).count;
  } catch (error) {
    const grpc = invalidArgumentOf(error);
    if (grpc !== undefined) {
      throw new ReplayCheckInputError(`--query: the server refuses it: ${grpc.details}`);
    }
    throw error;
  }
}

interface Tally {
  replayed: number;
  clean: number;
  breaks: ReplayCheckResult[];
  errors: ReplayCheckResult[];
}

async function tallyResults(
  results: AsyncIterable<ReplayCheckResult>,
  plan: CheckPlan,
  expected: number,
  out: (line: string) => void,
): Promise<Tally> {
  const tally: Tally = { replayed: 0, clean: 0, breaks: [], errors: [] };
  for await (const result of results) {
    tally.replayed += 1;
    const { verdict } = result;
    if (verdict.kind === 'clean') tally.clean += 1;
    else {
      (verdict.kind === 'breaks' ? tally.breaks : tally.errors).push(result);
      out(describeResult(result));
    }
    if (tally.replayed % plan.progressEvery === 0) {
      out(
        `  replayed ${tally.replayed}/${Math.max(expected, tally.replayed)}: ${tally.clean} clean, ` +
          `${tally.breaks.length} would break, ${tally.errors.length} not checked`,
      );
    }
  }
  return tally;
}

function summarize(tally: Tally, out: (line: string) => void): number {
  out(
    `replay-check: ${tally.replayed} replayed: ${tally.clean} clean, ${tally.breaks.length} would break, ` +
      `${tally.errors.length} could not be checked`,
  );
  if (tally.breaks.length > 0) {
    out(
      'These lifecycles would fail their next workflow task on this code (guard the change with patched()):',
    );
    for (const result of tally.breaks) out(describeResult(result));
    return REPLAY_CHECK_EXIT.breaks;
  }
  return tally.errors.length > 0 ? REPLAY_CHECK_EXIT.incomplete : REPLAY_CHECK_EXIT.clean;
}

/** One line per lifecycle: `BREAKS <workflow id> run <run id>: <the SDK's message>`. */
function describeResult({ workflowId, runId, verdict }: ReplayCheckResult): string {
  const label = verdict.kind === 'breaks' ? 'BREAKS' : verdict.kind === 'error' ? 'NOT CHECKED' : 'CLEAN';
  const message = verdict.kind === 'clean' ? '' : `: ${verdict.message.replace(/\s+/g, ' ').trim()}`;
  return `  ${label} ${workflowId} run ${runId}${message}`;
}

function positiveWhole(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < 1) {
    throw new ReplayCheckInputError(`${flag} must be a whole number of at least 1, not "${text}"`);
  }
  return value;
}

/** Problems go to stderr as JSON, like the other commands' (`{ "error": { code, message } }`). */
function reportError(code: 'invalid-input' | 'check-incomplete', message: string): void {
  process.stderr.write(`${JSON.stringify({ error: { code, message } }, null, 2)}\n`);
}
