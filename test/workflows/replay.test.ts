import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { lifecycleDataConverter, parseEncryptionKeys } from '../../src/codec';
import { tracingWorkerOptions } from '../../src/observability/tracing-worker';
import '../support/temporal'; // quiet worker logs

/**
 * Replays recorded lifecycle histories (test/histories, made by test/support/record-histories.ts)
 * against the current workflow code. A failure here means a change would break lifecycles that
 * are running in production: guard it with `patched()` (docs/deploy.md, "Upgrading the worker").
 * Subfolders keep the histories of earlier releases (test/histories/v0.1.0/...), replayed too.
 * test/histories/encrypted/ holds histories whose payloads are encrypted, one per ciphertext
 * format (format-1: before payloads were bound to their lifecycle), with the test key they were
 * written with: they replay through the payload codec, so what earlier releases encrypted stays
 * readable.
 */
const HISTORIES = path.resolve(__dirname, '..', 'histories');
const ENCRYPTED = 'encrypted';

async function recordedHistories(files: string[]) {
  return Promise.all(
    files.map(async (file) => {
      const { workflowId, history } = JSON.parse(await readFile(path.join(HISTORIES, file), 'utf8')) as {
        workflowId: string;
        history: unknown;
      };
      return { workflowId, history: historyFromJSON(history) };
    }),
  );
}

/** Replays every history; the failures, by workflow id, and how many were replayed. */
async function replay(
  options: ReplayWorkerOptions,
  histories: Awaited<ReturnType<typeof recordedHistories>>,
): Promise<{ failures: string[]; replayed: number }> {
  const failures: string[] = [];
  let replayed = 0;
  // As the worker runs the workflow code: with the tracing interceptors (a traced history needs them).
  for await (const result of Worker.runReplayHistories(
    { ...tracingWorkerOptions(undefined), ...options },
    histories,
  )) {
    replayed += 1;
    if (result.error !== undefined) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  return { failures, replayed };
}

async function historyFiles(): Promise<string[]> {
  return (await readdir(HISTORIES, { recursive: true })).filter((f) => f.endsWith('.json')).sort();
}

test('every recorded history replays without non-determinism', async () => {
  const files = (await historyFiles()).filter((f) => !f.startsWith(`${ENCRYPTED}${path.sep}`));
  expect(files.length).toBeGreaterThanOrEqual(8);
  const result = await replay(
    { workflowsPath: require.resolve('../../src/workflows') },
    await recordedHistories(files),
  );
  expect(result).toEqual({ failures: [], replayed: files.length });
}, 120_000);

test('encrypted histories, of every ciphertext format, replay through the payload codec', async () => {
  const files = (await historyFiles()).filter((f) => f.startsWith(`${ENCRYPTED}${path.sep}`));
  expect(files.length).toBeGreaterThanOrEqual(1);
  const problems: string[] = [];
  const keys = parseEncryptionKeys(
    await readFile(path.join(HISTORIES, ENCRYPTED, 'payload-keys.txt'), 'utf8'),
    'payload-keys.txt',
    problems,
  );
  expect(problems).toEqual([]);
  const histories = await recordedHistories(files);
  const result = await replay(
    { workflowsPath: require.resolve('../../src/workflows'), dataConverter: lifecycleDataConverter(keys) },
    histories,
  );
  expect(result).toEqual({ failures: [], replayed: files.length });
  // Without the key they cannot replay: the codec, not luck, read them above.
  const keyless = await replay({ workflowsPath: require.resolve('../../src/workflows') }, histories);
  expect(keyless.failures).toHaveLength(files.length);
}, 120_000);
