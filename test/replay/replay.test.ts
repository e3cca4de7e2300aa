import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import '../support/temporal'; // quiet worker logs

/**
 * Replays recorded lifecycle histories (test/histories, made by test/support/record-histories.ts)
 * against the current workflow code. A failure here means a change would break lifecycles that
 * are running in production: guard it with `patched()` (docs/deploy.md, "Upgrading the worker").
 * Subfolders keep the histories of earlier releases (test/histories/v0.1.0/...), replayed too.
 */
const HISTORIES = path.resolve(__dirname, '..', 'histories');

test('every recorded history replays without non-determinism', async () => {
  const files = (await readdir(HISTORIES, { recursive: true })).filter((f) => f.endsWith('.json')).sort();
  expect(files.length).toBeGreaterThanOrEqual(8);
  const histories = await Promise.all(
    files.map(async (file) => {
      const { workflowId, history } = JSON.parse(await readFile(path.join(HISTORIES, file), 'utf8')) as {
        workflowId: string;
        history: unknown;
      };
      return { workflowId, history: historyFromJSON(history), file };
    }),
  );
  const failures: string[] = [];
  const results = Worker.runReplayHistories(
    { workflowsPath: require.resolve('../../src/workflows') },
    histories.map(({ workflowId, history }) => ({ workflowId, history })),
  );
  let replayed = 0;
  for await (const result of results) {
    replayed += 1;
    if (result.error !== undefined) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
  expect(replayed).toBe(files.length);
}, 120_000);
