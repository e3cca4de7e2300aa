/**
 * Lifecycles parked in needs-attention by a refused login, and the logins they cost Advance: ONE
 * worker process whose password the emulator refuses, N lifecycles started at once (batch, the
 * least `attentionRetryEvery` of 1 minute), then a watch of a few minutes while their automatic
 * retries come due. The login breaker should hold the worker to one login per tenancy per
 * `loginBreakerSeconds` (60 s) however many lifecycles retry: the figure to read is
 * `loginsToAdvance` against `breakerWindows` (the most the breaker allows in the time measured).
 *
 *   npx tsx bench/attention-logins.ts [--workflows 500] [--watch-seconds 150] [--json-only]
 */
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { runLoad } from './lib/load';
import { benchmarkInput, startRig } from './lib/rig';

export interface AttentionLoginsOptions {
  workflows?: number;
  /** How long to watch the parked lifecycles retry, after the last one is parked. */
  watchSeconds?: number;
  progress?: (line: string) => void;
}

export interface AttentionLoginsFigures {
  workflows: number;
  /** From the first start until every lifecycle was in needs-attention, seconds. */
  parkSeconds: number;
  /** Login requests the emulator received by then. */
  loginsWhenParked: number;
  /** Seconds from the first start to the end of the watch. */
  measuredSeconds: number;
  /** Login requests the emulator received in all that time. */
  loginsToAdvance: number;
  /** The most the breaker allows in `measuredSeconds`: one, and one more per 60 s begun. */
  breakerWindows: number;
  /** Automatic retries the lifecycles made meanwhile (the sum of `attention.retries`). */
  automaticRetries: number;
}

const BREAKER_SECONDS = 60;
const POLL_MS = 500;

export async function runAttentionLoginsBenchmark(
  options: AttentionLoginsOptions = {},
): Promise<AttentionLoginsFigures> {
  const workflows = options.workflows ?? 500;
  const watchSeconds = options.watchSeconds ?? 150;
  const progress = options.progress ?? (() => undefined);
  const rig = await startRig(
    [{ name: 'lifecycle', kind: 'lifecycle', env: { ADVANCE_PRINCIPAL_PASSWORD: 'not-the-password' } }],
    progress,
  );
  try {
    const worker = rig.workers['lifecycle'];
    if (worker === undefined) throw new Error('no lifecycle worker');
    const parked = `TaskQueue = '${worker.taskQueue}' AND HotDocsStage = 'needs-attention'`;
    const ids = Array.from({ length: workflows }, (_, i) => `${rig.runId}-attention-${i}`);
    const started = performance.now();
    const starts = await runLoad(
      workflows,
      32,
      (i) => rig.lifecycles.start({ ...benchmarkInput(ids[i] ?? '', 'batch'), attentionRetryEvery: '1m' }),
      10,
    );
    if (starts.errors > 0)
      throw new Error(`${starts.errors} starts failed; first: ${String(starts.firstError)}`);
    for (;;) {
      const { count } = await rig.temporal.workflow.count(parked);
      if (count >= workflows) break;
      if (performance.now() - started > 20 * 60_000) throw new Error(`only ${count} parked after 20 minutes`);
      await delay(POLL_MS);
    }
    const parkSeconds = (performance.now() - started) / 1000;
    const loginsWhenParked = (await rig.emulator.stats()).requests['login'] ?? 0;
    progress(
      `parked: ${workflows} in needs-attention after ${parkSeconds.toFixed(1)} s, ${loginsWhenParked} login(s)`,
    );
    await delay(watchSeconds * 1000);
    const loginsToAdvance = (await rig.emulator.stats()).requests['login'] ?? 0;
    const measuredSeconds = (performance.now() - started) / 1000;
    let automaticRetries = 0;
    await runLoad(workflows, 32, async (i) => {
      const status = await rig.lifecycles.status(`assembly-${ids[i] ?? ''}`);
      automaticRetries += status.attention?.retries ?? 0;
    });
    return {
      workflows,
      parkSeconds: Math.round(parkSeconds * 10) / 10,
      loginsWhenParked,
      measuredSeconds: Math.round(measuredSeconds),
      loginsToAdvance,
      breakerWindows: 1 + Math.ceil(measuredSeconds / BREAKER_SECONDS),
      automaticRetries,
    };
  } finally {
    await rig.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workflows: { type: 'string' },
      'watch-seconds': { type: 'string' },
      'json-only': { type: 'boolean', default: false },
    },
  });
  const int = (text: string | undefined) => (text === undefined ? undefined : Number(text));
  const result = await runAttentionLoginsBenchmark({
    workflows: int(values.workflows),
    watchSeconds: int(values['watch-seconds']),
    progress: (line) => console.error(line),
  });
  if (!values['json-only']) {
    console.error(
      `attention logins: ${result.workflows} lifecycles parked in ${result.parkSeconds} s; ` +
        `${result.loginsToAdvance} login request(s) to Advance in ${result.measuredSeconds} s ` +
        `(breaker allows at most ${result.breakerWindows}); ${result.automaticRetries} automatic retries`,
    );
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
