import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../codec/aes-gcm-codec';

/**
 * The engine of `hotdocs-temporal replay-check`: lists lifecycles with a visibility query, fetches
 * their histories, and replays each against the workflow code about to be deployed. A history
 * that does not replay is a lifecycle the new code would break at its next step.
 */

type History = temporal.api.history.v1.IHistory;

/**
 * The replay worker logs every failed workflow task (the SDK's core on its own console unless
 * forwarded); `replay-check` reports each once, so both are silenced. Installed just before the
 * replay worker: a runtime that no worker ever used would keep the process from exiting.
 */
function silenceReplayLogs(): void {
  Runtime.install({
    logger: new DefaultLogger('ERROR', () => undefined),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
}

/** The outcome of one history. */
export type ReplayVerdict =
  /** Replays as recorded: the new code continues this lifecycle safely. */
  | { kind: 'clean' }
  /** Nondeterminism: the new code issues other commands than the history holds. */
  | { kind: 'breaks'; message: string }
  /** Could not be checked (a payload it cannot decode, another replay failure). */
  | { kind: 'error'; message: string };

export interface ReplayCheckResult {
  workflowId: string;
  runId: string;
  verdict: ReplayVerdict;
}

export interface ReplayCheckOptions {
  client: Client;
  /** Visibility query selecting the executions to replay. */
  query: string;
  /** At most this many executions are replayed (the newest first, as visibility lists them). */
  limit: number;
  /** The workflow code (bundle or sources) and the data converter that decodes the payloads. */
  replay: ReplayWorkerOptions;
  /** Ids of the encryption keys the data converter holds; empty when payloads are not encrypted. */
  keyIds: readonly string[];
  /** Histories fetched ahead of the replay. @default 5 */
  prefetch?: number;
  /** Install a Temporal runtime that logs nothing (a command's own process only). @default false */
  quiet?: boolean;
}

/** Replays every selected history, yielding one result per history in the order listed. */
export async function* replayLifecycles(options: ReplayCheckOptions): AsyncGenerator<ReplayCheckResult> {
  const listed: Array<{ workflowId: string; runId: string }> = [];
  const fetched = prefetched(
    firstExecutions(options.client, options.query, options.limit),
    (execution) => fetchHistory(options.client, execution),
    options.prefetch ?? 5,
  );
  // Histories that cannot be fetched or decoded are reported here, not handed to the replayer.
  const undecodable: ReplayCheckResult[] = [];
  async function* replayable() {
    for await (const { workflowId, runId, history, failure } of fetched) {
      const problem =
        history === undefined ? (failure ?? 'no history') : encryptionProblem(history, options.keyIds);
      if (history === undefined || problem !== undefined) {
        undecodable.push({ workflowId, runId, verdict: { kind: 'error', message: problem ?? '' } });
        continue;
      }
      listed.push({ workflowId, runId });
      yield { workflowId, history };
    }
  }
  if (options.quiet === true) silenceReplayLogs();
  let index = 0;
  for await (const result of Worker.runReplayHistories(options.replay, replayable())) {
    yield* undecodable.splice(0);
    // One result per history, in the order they were handed over.
    const execution = listed[index] ?? { workflowId: result.workflowId, runId: result.runId };
    index += 1;
    yield { ...execution, verdict: verdictOf(result.error) };
  }
  yield* undecodable.splice(0);
}

function verdictOf(error: Error | undefined): ReplayVerdict {
  if (error === undefined) return { kind: 'clean' };
  if (error instanceof DeterminismViolationError || error.name === 'DeterminismViolationError') {
    return { kind: 'breaks', message: firstNondeterminism(error.message) };
  }
  return { kind: 'error', message: error.message };
}

/**
 * The SDK's core error inside the replay failure — e.g. "[TMPRL1100] Nondeterminism error:
 * Activity type of scheduled event 'beginSession' does not match activity type of activity
 * command 'acquireToken'" — or the whole message when it has another shape.
 */
export function firstNondeterminism(message: string): string {
  return /\[TMPRL1100\](?:[^"\\]|\\.)*/.exec(message)?.[0] ?? message;
}

async function* firstExecutions(
  client: Client,
  query: string,
  limit: number,
): AsyncGenerator<{ workflowId: string; runId: string }> {
  if (limit <= 0) return;
  let count = 0;
  for await (const execution of client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
    yield { workflowId: execution.workflowId, runId: execution.runId };
    count += 1;
    if (count >= limit) return;
  }
}

/** The history, or why it could not be fetched (deleted by retention since it was listed, ...). */
async function fetchHistory(
  client: Client,
  execution: { workflowId: string; runId: string },
): Promise<{ workflowId: string; runId: string; history?: History; failure?: string }> {
  try {
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    return { ...execution, history };
  } catch (error) {
    return { ...execution, failure: `its history could not be fetched: ${(error as Error).message}` };
  }
}

/**
 * Why the history's payloads cannot be decoded with the keys at hand, judged from the start
 * event's input (every payload of a lifecycle is encrypted with the key current at the time).
 */
function encryptionProblem(history: History, keyIds: readonly string[]): string | undefined {
  const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  const metadata = input?.metadata ?? {};
  const encoding = text(metadata['encoding']);
  if (encoding !== ENCRYPTED_ENCODING) return undefined;
  const keyId = text(metadata[KEY_ID_METADATA]);
  if (keyIds.length === 0) {
    return "its payloads are encrypted: set PAYLOAD_ENCRYPTION_KEYS (or PAYLOAD_ENCRYPTION_KEYS_FILE) to the workers' keys";
  }
  if (keyId !== undefined && !keyIds.includes(keyId)) {
    return `its payloads are encrypted with key "${keyId}", which PAYLOAD_ENCRYPTION_KEYS does not hold`;
  }
  return undefined;
}

function text(bytes: Uint8Array | null | undefined): string | undefined {
  return bytes == null ? undefined : Buffer.from(bytes).toString('utf8');
}

/**
 * Maps `items` through `load` with up to `ahead` loads in flight, yielding in the original order:
 * fetching the next histories overlaps with replaying the current one.
 */
async function* prefetched<T, R>(
  items: AsyncIterable<T>,
  load: (item: T) => Promise<R>,
  ahead: number,
): AsyncGenerator<R> {
  const pending: Promise<R>[] = [];
  const take = (): Promise<R> => pending.shift() as Promise<R>;
  for await (const item of items) {
    const loading = load(item);
    // Awaited in turn below; marked handled so that a failure ahead of its turn is not "unhandled".
    loading.catch(() => undefined);
    pending.push(loading);
    if (pending.length >= Math.max(1, ahead)) yield await take();
  }
  while (pending.length > 0) yield await take();
}
