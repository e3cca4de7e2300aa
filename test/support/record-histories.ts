/**
 * Records workflow histories of the lifecycle at each stage into test/histories/, for the replay
 * test that guards against non-deterministic changes. Run after an intentional change to the
 * workflow's commands (with a patch for running lifecycles!), once the previous histories are
 * moved to test/histories/v<previous version>/: `npm run record-histories`.
 * `npm run record-histories -- --only v2.0` records only the histories spoken in Advance API v2.0
 * (a batch session assembled in one CreateAndAssemble), leaving the others as they are.
 * `--only encrypted` records a lifecycle with payload encryption into test/histories/encrypted/,
 * named by the codec's ciphertext format (histories of earlier formats stay as they are), with
 * the test key of that folder (made on its first recording).
 * `--only traced` records a lifecycle traced from its start into test/histories/traced/.
 * `--only finish-update` records the interview finished by the `completeInterview` update, and by
 * the signal with a late update after it.
 * `--only v2.0-finish` records a v2.0 interview whose Core interview is finished before Complete
 * (the `finish-core-interview-before-complete` patch), beside the v2.0 histories made before it.
 * `--only v2.0-outside` records v2.0 interviews completed in Advance's own web app while the
 * lifecycle waited (the `status-reads-while-waiting-for-interview` patch): one noticed at a
 * status read of the interval, one after Advance's webhook.
 * `--only v2.0-answer-set` records a v2.0 batch lifecycle that stores its answer set (the
 * `store-answer-set` patch).
 * `--only v2.0-answer-correction` records a v2.0 batch lifecycle whose post-processing failed,
 * repaired with corrected answers (the `correct-answers-before-retry` patch), then completed.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { trace } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { Client } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { LifecycleClient, repairWithCorrectedAnswers } from '../../src/client';
import {
  BOUND_FORMAT,
  lifecycleDataConverter,
  parseEncryptionKeys,
  type EncryptionKey,
} from '../../src/codec';
import { FileSystemDocumentStore } from '../../src/documents/filesystem-store';
import { advanceEnvForEmulator } from '../../tools/dev/emulator-env';
import { resolveTemporalCli, startDevServer } from '../../tools/temporal';
import {
  ANSWERS,
  createHarness,
  atStage,
  eventually,
  lifecycleInput,
  registerLifecycleSearchAttributes,
  type Harness,
} from './lifecycle-harness';
import { createTimeSkippingEnvironment } from './temporal';

const OUT = path.resolve(__dirname, '..', 'histories');

const run = promisify(execFile);

/** The history in Temporal's JSON form, as `temporal workflow show --output json` writes it. */
async function save(env: TestWorkflowEnvironment, name: string, workflowId: string): Promise<void> {
  const cli = resolveTemporalCli();
  if (cli.path === undefined) throw new Error('no local temporal CLI: run tools/install-temporal-tools.sh');
  const address = env.connection.options.address;
  const { stdout } = await run(
    cli.path,
    ['workflow', 'show', '--workflow-id', workflowId, '--address', address, '--output', 'json'],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const history = JSON.parse(stdout) as { events: unknown[] };
  const file = path.join(OUT, `${name}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify({ workflowId, history }, null, 1)}\n`);
  console.log(`recorded ${name}: ${history.events.length} events → ${path.relative(process.cwd(), file)}`);
}

/** Runs `record` against a fresh dev server and a worker (`workerEnv` added to its environment). */
async function onDevServer(
  record: (env: TestWorkflowEnvironment, h: Harness) => Promise<void>,
  workerEnv: (h: Harness) => Record<string, string> = () => ({}),
): Promise<void> {
  const server = await startDevServer();
  const env = await TestWorkflowEnvironment.createFromExistingServer({ address: server.address });
  const h = await createHarness(env);
  // The worker reads this environment when it starts.
  Object.assign(h.workerEnv, workerEnv(h));
  await h.startWorker();
  try {
    await record(env, h);
  } finally {
    await h.close();
    await env.teardown();
    await server.stop();
  }
}

function recordOnDevServer(): Promise<void> {
  return onDevServer(async (env, h) => {
    const { lifecycles } = h;

    const interview = await lifecycles.start(lifecycleInput({ businessKey: 'replay-interview' }));
    const waiting = await atStage(lifecycles, interview.lifecycleId, 'waiting-for-interview');
    await save(env, 'interview-waiting', interview.lifecycleId);
    await lifecycles.interviewCompleted(interview.lifecycleId, waiting.activeSession!.versionId);
    await lifecycles.result(interview.lifecycleId);
    await save(env, 'interview-completed', interview.lifecycleId);

    const batch = await lifecycles.start(lifecycleInput({ businessKey: 'replay-batch', mode: 'batch' }));
    await lifecycles.result(batch.lifecycleId);
    await save(env, 'batch-completed', batch.lifecycleId);

    const followUps = await lifecycles.start(
      lifecycleInput({ businessKey: 'replay-follow-ups', mode: 'batch', keepOpenFor: '1h' }),
    );
    await lifecycles.requestFollowUp(followUps.lifecycleId, { mode: 'batch' });
    await lifecycles.beginFollowUp(followUps.lifecycleId, { mode: 'batch', runAssembly: false });
    await atStage(lifecycles, followUps.lifecycleId, 'idle');
    await save(env, 'follow-ups-idle', followUps.lifecycleId);
    await lifecycles.finish(followUps.lifecycleId);
    await lifecycles.result(followUps.lifecycleId);
    await save(env, 'follow-ups-finished', followUps.lifecycleId);

    const cancelled = await lifecycles.start(lifecycleInput({ businessKey: 'replay-cancelled' }));
    await atStage(lifecycles, cancelled.lifecycleId, 'waiting-for-interview');
    await lifecycles.cancel(cancelled.lifecycleId);
    await lifecycles.result(cancelled.lifecycleId).catch(() => undefined);
    await save(env, 'cancelled-while-waiting', cancelled.lifecycleId);

    // A permanent error fails the lifecycle; a 403 makes it need attention until it is repaired.
    h.emulator.setFaults({ script: [{ endpoint: 'createWorkItem', fault: 'error', status: 400 }] });
    const failed = await lifecycles.start(lifecycleInput({ businessKey: 'replay-failed' }));
    await lifecycles.result(failed.lifecycleId).catch(() => undefined);
    await save(env, 'failed-invalid', failed.lifecycleId);

    h.emulator.setFaults({ script: [{ endpoint: 'createWorkItem', fault: 'error', status: 403 }] });
    const forbidden = await lifecycles.start(
      lifecycleInput({ businessKey: 'replay-forbidden', mode: 'batch' }),
    );
    await atStage(lifecycles, forbidden.lifecycleId, 'needs-attention');
    await lifecycles.repair(forbidden.lifecycleId, { action: 'retry', note: 'scope restored' });
    await lifecycles.result(forbidden.lifecycleId);
    await save(env, 'forbidden-repaired', forbidden.lifecycleId);
  });
}

/**
 * A worker speaking Advance API v2.0: a batch session is one CreateAndAssemble call. An
 * interview's CompleteSession ran as a local activity for a while: that history is kept as
 * `v2.0-interview-completed-local-complete.json`, the set records the regular one now.
 */
function recordOnAdvanceV2(): Promise<void> {
  return onDevServer(
    async (env, h) => {
      const batch = await h.lifecycles.start(
        lifecycleInput({ businessKey: 'replay-batch-v2', mode: 'batch' }),
      );
      await h.lifecycles.result(batch.lifecycleId);
      await save(env, 'v2.0-batch-completed', batch.lifecycleId);

      const interview = await h.lifecycles.start(lifecycleInput({ businessKey: 'replay-interview-v2' }));
      const waiting = await atStage(h.lifecycles, interview.lifecycleId, 'waiting-for-interview');
      await h.lifecycles.interviewCompleted(interview.lifecycleId, waiting.activeSession!.versionId);
      await h.lifecycles.result(interview.lifecycleId);
      await save(env, 'v2.0-interview-completed', interview.lifecycleId);
    },
    // Point the worker at the emulator's v2.0 API.
    (h) => advanceEnvForEmulator(h.emulator, 'v2.0'),
  );
}

/**
 * A v2.0 interview that took the Core interview finish before its Complete: its history carries
 * the patch marker and the `finishInterview` activity. The recording stops if either is missing,
 * so the file is never an old-path history under a new name.
 */
function recordV2InterviewFinish(): Promise<void> {
  return onDevServer(
    async (env, h) => {
      const interview = await h.lifecycles.start(
        lifecycleInput({ businessKey: 'replay-interview-finished-v2' }),
      );
      const waiting = await atStage(h.lifecycles, interview.lifecycleId, 'waiting-for-interview');
      await h.lifecycles.interviewCompleted(interview.lifecycleId, waiting.activeSession!.versionId);
      await h.lifecycles.result(interview.lifecycleId);
      const finishes = h.emulator
        .requests()
        .filter((r) => r.endpoint === 'finishInterview' && r.status !== null && r.status < 300);
      if (finishes.length !== 1) throw new Error(`expected one finishInterview, saw ${finishes.length}`);
      await save(env, 'v2.0-interview-finished-before-complete', interview.lifecycleId);
    },
    (h) => advanceEnvForEmulator(h.emulator, 'v2.0'),
  );
}

/**
 * v2.0 interviews completed in Advance's own web app (the emulator's control API) while the
 * lifecycle waited: one found by the interval's status read after a read that found it in
 * progress, one found at once after Advance's webhook. The recording stops if a history holds a
 * Complete or a Core finish of ours, or no webhook signal where one was sent.
 */
function recordV2CompletedInAdvance(): Promise<void> {
  return onDevServer(
    async (env, h) => {
      const calls = (workItemId: string, endpoint: string) =>
        h.emulator.requests().filter((r) => r.workItemId === workItemId && r.endpoint === endpoint).length;
      const outside = async (businessKey: string, interview: Record<string, unknown>) => {
        const { lifecycleId } = await h.lifecycles.start(lifecycleInput({ businessKey, interview }));
        const waiting = await atStage(h.lifecycles, lifecycleId, 'waiting-for-interview');
        return { lifecycleId, workItemId: waiting.workItemId, versionId: waiting.activeSession!.versionId };
      };
      const check = async (run: { lifecycleId: string; workItemId: string }) => {
        const result = await h.lifecycles.result(run.lifecycleId);
        if (result.outcome !== 'completed') throw new Error(`the lifecycle ended ${result.outcome}`);
        for (const endpoint of ['completeVersion', 'finishInterview'])
          if (calls(run.workItemId, endpoint) > 0) throw new Error(`the lifecycle called ${endpoint}`);
      };

      const read = await outside('replay-completed-in-advance-read-v2', { statusReadEvery: '1s' });
      await eventually(() => (calls(read.workItemId, 'getVersionStatus') > 0 ? true : undefined));
      h.emulator.completeInAdvance(read.workItemId, read.versionId);
      await check(read);
      await save(env, 'v2.0-completed-in-advance-status-read', read.lifecycleId);

      const hinted = await outside('replay-completed-in-advance-webhook-v2', {});
      h.emulator.completeInAdvance(hinted.workItemId, hinted.versionId);
      const told = await h.lifecycles.advanceWebhook(hinted.workItemId, 'NewWorkItemVersionComplete');
      if (told.length !== 1) throw new Error(`the webhook reached ${told.length} lifecycles`);
      await check(hinted);
      await save(env, 'v2.0-completed-in-advance-webhook', hinted.lifecycleId);
    },
    (h) => advanceEnvForEmulator(h.emulator, 'v2.0'),
  );
}

/**
 * A v2.0 batch lifecycle with `storeAnswerSet`: its history carries the `store-answer-set` patch
 * marker and the `storeAnswerSet` activity. The recording stops if the answer set was not read,
 * so the file is never an old-path history under a new name.
 */
function recordV2AnswerSet(): Promise<void> {
  return onDevServer(
    async (env, h) => {
      const batch = await h.lifecycles.start(
        lifecycleInput({ businessKey: 'replay-answer-set-v2', mode: 'batch', storeAnswerSet: true }),
      );
      await h.lifecycles.result(batch.lifecycleId);
      const reads = h.emulator.requests().filter((r) => r.endpoint === 'getAnswerSet' && r.status === 200);
      if (reads.length !== 1) throw new Error(`expected one answer set read, saw ${reads.length}`);
      await save(env, 'v2.0-batch-answer-set-stored', batch.lifecycleId);
    },
    (h) => advanceEnvForEmulator(h.emulator, 'v2.0'),
  );
}

/**
 * A v2.0 batch lifecycle whose post-processing failed, repaired with corrected answers (the
 * `correct-answers-before-retry` patch marker and the `correctAnswerSet` activity), then retried
 * once the processing ran again. The recording stops unless the answer set was put once.
 */
function recordV2AnswerCorrection(): Promise<void> {
  return onDevServer(
    async (env, h) => {
      h.emulator.setBehaviour({ postProcessingMs: 500, postProcessingOutcome: 'failed' });
      const batch = await h.lifecycles.start(
        lifecycleInput({
          businessKey: 'replay-answer-correction-v2',
          mode: 'batch',
          attentionRetryEvery: '1h',
        }),
      );
      const attention = await atStage(h.lifecycles, batch.lifecycleId, 'needs-attention');
      const store = new FileSystemDocumentStore(h.documentDir);
      await repairWithCorrectedAnswers(
        h.lifecycles,
        store,
        batch.lifecycleId,
        ANSWERS.replace('Ann', 'Anne'),
      );
      await atStage(h.lifecycles, batch.lifecycleId, 'needs-attention', {
        until: (s) => s.repairs?.length === 1,
      });
      const puts = h.emulator.requests().filter((r) => r.endpoint === 'putAnswerSet' && r.status === 204);
      if (puts.length !== 1) throw new Error(`expected one answer set put, saw ${puts.length}`);
      h.emulator.rerunPostProcessing(attention.workItemId, attention.activeSession!.versionId);
      await h.lifecycles.repair(batch.lifecycleId, { action: 'retry' });
      await h.lifecycles.result(batch.lifecycleId);
      await save(env, 'v2.0-batch-answers-corrected', batch.lifecycleId);
    },
    (h) => advanceEnvForEmulator(h.emulator, 'v2.0'),
  );
}

/**
 * A lifecycle whose payloads are encrypted (PAYLOAD_ENCRYPTION_KEYS): its input, a follow-up
 * carrying answers of its own, the interview's signal, the result. The replay test replays it
 * with the key written beside it, so histories encrypted by earlier releases stay readable.
 */
async function recordEncrypted(): Promise<void> {
  const keysFile = path.join(OUT, 'encrypted', 'payload-keys.txt');
  let key: EncryptionKey = { id: 'recorded-test-key', key: randomBytes(32) };
  if (existsSync(keysFile)) {
    const problems: string[] = [];
    const [existing] = parseEncryptionKeys(await readFile(keysFile, 'utf8'), keysFile, problems);
    if (existing === undefined) throw new Error(problems.join('; '));
    key = existing;
  } else {
    await mkdir(path.dirname(keysFile), { recursive: true });
    await writeFile(
      keysFile,
      `# The test key the histories in this folder were encrypted with (made for the recording).\n${key.id}:${key.key.toString('base64')}\n`,
    );
  }
  const keysText = `${key.id}:${key.key.toString('base64')}`;
  return onDevServer(
    async (env, h) => {
      const lifecycles = new LifecycleClient(
        new Client({
          connection: env.connection,
          namespace: env.namespace,
          dataConverter: lifecycleDataConverter([key]),
        }),
        { taskQueue: h.taskQueue },
      );
      const answers = (tenant: string) =>
        `<AnswerSet><Answer name="Tenant"><TextValue>${tenant}</TextValue></Answer></AnswerSet>`;
      const started = await lifecycles.start(
        lifecycleInput({
          businessKey: 'replay-encrypted',
          answerXml: answers('Recorded Tenant'),
          keepOpenFor: '1h',
        }),
      );
      const waiting = await atStage(lifecycles, started.lifecycleId, 'waiting-for-interview');
      await lifecycles.requestFollowUp(started.lifecycleId, {
        mode: 'batch',
        answerXml: answers('Recorded Follow-Up'),
      });
      await lifecycles.interviewCompleted(started.lifecycleId, waiting.activeSession!.versionId);
      await atStage(lifecycles, started.lifecycleId, 'idle');
      await lifecycles.finish(started.lifecycleId);
      await lifecycles.result(started.lifecycleId);
      await save(env, `encrypted/format-${BOUND_FORMAT}-interview-follow-up-finished`, started.lifecycleId);
    },
    () => ({ PAYLOAD_ENCRYPTION_KEYS: keysText }),
  );
}

/**
 * A lifecycle traced from its start, as the gateway with OTEL_* set starts it: its messages carry
 * trace contexts, its history the tracing patch marker. Spans are made here and dropped.
 */
function recordTraced(): Promise<void> {
  return onDevServer(async (env, h) => {
    const provider = new NodeTracerProvider();
    provider.register();
    try {
      const lifecycles = new LifecycleClient(
        new Client({
          connection: env.connection,
          namespace: env.namespace,
          interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
        }),
        { taskQueue: h.taskQueue },
      );
      const started = await lifecycles.start(
        lifecycleInput({ businessKey: 'replay-traced', keepOpenFor: '1h' }),
      );
      const waiting = await atStage(lifecycles, started.lifecycleId, 'waiting-for-interview');
      await lifecycles.requestFollowUp(started.lifecycleId, { mode: 'batch' });
      await lifecycles.interviewCompleted(started.lifecycleId, waiting.activeSession!.versionId);
      await atStage(lifecycles, started.lifecycleId, 'idle');
      await lifecycles.finish(started.lifecycleId);
      await lifecycles.result(started.lifecycleId);
      await save(env, 'traced/interview-follow-up-finished', started.lifecycleId);
    } finally {
      await provider.shutdown();
      trace.disable();
    }
  });
}

async function recordWithTimeSkipping(): Promise<void> {
  const env = await createTimeSkippingEnvironment();
  await registerLifecycleSearchAttributes(env);
  const h = await createHarness(env);
  await h.startWorker();
  try {
    const expired = await h.lifecycles.start(
      lifecycleInput({
        businessKey: 'replay-expired',
        interview: { deadline: '14d', reminders: ['1d', '7d'] },
      }),
    );
    await h.lifecycles.result(expired.lifecycleId);
    await save(env, 'interview-expired-with-reminders', expired.lifecycleId);
  } finally {
    await h.close();
    await env.teardown();
  }
}

/**
 * The interview's Finish as the `completeInterview` update: accepted; and the signal followed by a
 * late update for the same session (after a Finish sent while no worker ran), which changes nothing.
 */
function recordFinishUpdates(): Promise<void> {
  return onDevServer(async (env, h) => {
    const { lifecycles } = h;

    const accepted = await lifecycles.start(lifecycleInput({ businessKey: 'replay-finish-update' }));
    const waiting = await atStage(lifecycles, accepted.lifecycleId, 'waiting-for-interview');
    const versionId = waiting.activeSession!.versionId;
    const first = await lifecycles.completeInterview(accepted.lifecycleId, { versionId });
    if (first.outcome !== 'accepted') throw new Error(`completeInterview answered ${first.outcome}`);
    await lifecycles.result(accepted.lifecycleId);
    await save(env, 'interview-completed-by-update', accepted.lifecycleId);

    const late = await lifecycles.start(
      lifecycleInput({ businessKey: 'replay-finish-signal-then-update', keepOpenFor: '1h' }),
    );
    const lateWaiting = await atStage(lifecycles, late.lifecycleId, 'waiting-for-interview');
    const lateVersion = lateWaiting.activeSession!.versionId;
    await lifecycles.interviewCompleted(late.lifecycleId, lateVersion);
    await atStage(lifecycles, late.lifecycleId, 'idle');
    const repeat = await lifecycles.completeInterview(late.lifecycleId, { versionId: lateVersion });
    if (repeat.outcome !== 'already-finished') throw new Error(`the late update answered ${repeat.outcome}`);
    await lifecycles.finish(late.lifecycleId);
    await lifecycles.result(late.lifecycleId);
    await save(env, 'interview-signalled-then-late-update', late.lifecycleId);
  });
}

const SETS = {
  'dev-server': recordOnDevServer,
  'time-skipping': recordWithTimeSkipping,
  'v2.0': recordOnAdvanceV2,
  encrypted: recordEncrypted,
  traced: recordTraced,
  'finish-update': recordFinishUpdates,
  'v2.0-finish': recordV2InterviewFinish,
  'v2.0-outside': recordV2CompletedInAdvance,
  'v2.0-answer-set': recordV2AnswerSet,
  'v2.0-answer-correction': recordV2AnswerCorrection,
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' } } });
  const names = values.only?.split(',').map((name) => name.trim()) ?? Object.keys(SETS);
  for (const name of names) {
    const record = SETS[name as keyof typeof SETS];
    if (record === undefined)
      throw new Error(`--only: no history set "${name}"; sets: ${Object.keys(SETS).join(', ')}`);
    await record();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
