import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Resource } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import type { Tracing } from '../../src/observability/tracing';
import { tracingWorkerOptions } from '../../src/observability/tracing-worker';
import { TRACING_PATCH } from '../../src/workflows/patches';
import { patchMarkers } from '../support/upgrade-checks';
import '../support/temporal'; // quiet worker logs

/**
 * Every recorded history replays on the worker as it runs with tracing on and with it off: the
 * tracing interceptors are in the workflow code either way, and whether they trace is read from
 * the history (the patch marker), never from the worker's settings. The untraced histories of
 * earlier builds replay as they ran; test/histories/traced/ holds one traced from its start.
 * (Histories under encrypted/ need their key: replay.test.ts replays them.)
 */
const HISTORIES = path.resolve(__dirname, '..', 'histories');

async function recordedHistories() {
  const files = (await readdir(HISTORIES, { recursive: true }))
    .filter((f) => f.endsWith('.json') && !f.startsWith(`encrypted${path.sep}`))
    .sort();
  return Promise.all(
    files.map(async (file) => {
      const { workflowId, history } = JSON.parse(await readFile(path.join(HISTORIES, file), 'utf8')) as {
        workflowId: string;
        history: unknown;
      };
      return { file, workflowId, history: historyFromJSON(history) };
    }),
  );
}

async function replayFailures(
  options: ReplayWorkerOptions,
  histories: Awaited<ReturnType<typeof recordedHistories>>,
): Promise<{ failures: string[]; replayed: number }> {
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(options, histories)) {
    replayed += 1;
    if (result.error !== undefined) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  return { failures, replayed };
}

test('every recorded history replays with tracing on and off', async () => {
  const histories = await recordedHistories();
  const traced = histories.filter((h) => patchMarkers(h.history.events ?? []).includes(TRACING_PATCH));
  expect(traced.map((h) => h.file)).toEqual([path.join('traced', 'interview-follow-up-finished.json')]);
  expect(histories.length).toBeGreaterThanOrEqual(12);

  const exporter = new InMemorySpanExporter();
  const on = {
    resource: new Resource({ 'service.name': 'replay' }),
    spanProcessor: new SimpleSpanProcessor(exporter),
  } as unknown as Tracing;
  const workflowsPath = require.resolve('../../src/workflows');
  for (const tracing of [on, undefined]) {
    const result = await replayFailures({ workflowsPath, ...tracingWorkerOptions(tracing) }, histories);
    expect({ tracing: tracing === undefined ? 'off' : 'on', ...result }).toEqual({
      tracing: tracing === undefined ? 'off' : 'on',
      failures: [],
      replayed: histories.length,
    });
  }
  // Replay exports nothing: the spans were exported when the lifecycle ran.
  expect(exporter.getFinishedSpans()).toEqual([]);
}, 240_000);
