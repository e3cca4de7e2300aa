import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdvanceClient } from '../../src/advance';
import type { ReminderNotice } from '../../src/notifications/reminder-webhook';
import { SIGNATURE_HEADER, signWebhookBody } from '../../src/notifications/webhook-signature';
import { ADVANCE_CALL_TIMEOUT_MS } from '../../src/workflows/activity-stubs';
import { recordFrom, type EmulatorRecord } from '../support/emulator-record';
import { ENDPOINTS, PROTOCOL } from '../support/protocol';
import { bundleLifecycleVariant } from '../support/workflow-variants';
import {
  atStage,
  createHarness,
  eventually,
  lifecycleInput,
  type Harness,
} from '../support/lifecycle-harness';
import { lifecycleTestbed } from '../support/testbed';

/**
 * Days-long waits on the time-skipping test server: the interview deadline with reminders, and a
 * token that expires while a lifecycle waits.
 */

const WEBHOOK_SECRET = 'reminder-signing-key';
/** v1.1 only: a worker running the lifecycle without the stray-completion quarantine. */
let unguarded: Harness | undefined;
let unguardedBuild: { bundlePath: string; cleanup(): Promise<void> } | undefined;
let webhook: Server | undefined;
const notices: Array<{ notice: ReminderNotice; signatureValid: boolean }> = [];

// Declared before the testbed: jest runs afterAll hooks in the order they are declared.
afterAll(async () => {
  await unguarded?.close();
  await unguardedBuild?.cleanup();
  await new Promise((resolve) => webhook?.close(resolve));
});

const bed = lifecycleTestbed({
  temporal: 'time-skipping',
  workerEnv: async () => {
    const port = await startReminderReceiver();
    return {
      REMINDER_WEBHOOK_URL: `http://127.0.0.1:${port}/reminders`,
      REMINDER_WEBHOOK_SECRET: WEBHOOK_SECRET,
    };
  },
});

beforeAll(async () => {
  if (PROTOCOL === 'v1.1') {
    unguardedBuild = await bundleLifecycleVariant('without-stray-completion-quarantine');
    const harness = await createHarness(bed.env, {}, { WORKFLOW_BUNDLE_PATH: unguardedBuild.bundlePath });
    unguarded = harness;
    await harness.startWorker();
  }
}, 120_000);

/** The business system's reminder endpoint: records each notice and whether its signature holds. */
async function startReminderReceiver(): Promise<number> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const header = String(req.headers[SIGNATURE_HEADER] ?? '');
      const timestamp = Number(/t=(\d+)/.exec(header)?.[1]);
      notices.push({
        notice: JSON.parse(body) as ReminderNotice,
        signatureValid: header === signWebhookBody(body, WEBHOOK_SECRET, timestamp),
      });
      res.writeHead(204).end();
    });
  });
  webhook = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

test('a 14-day deadline with reminders: reminders posted and signed, then the session is saved', async () => {
  const started = await bed.lifecycles.start(
    lifecycleInput({ interview: { deadline: '14d', reminders: ['1d', '7d', '13d'] } }),
  );
  const result = await bed.lifecycles.result(started.lifecycleId);
  expect(result.outcome).toBe('expired');
  const status = await bed.lifecycles.status(started.lifecycleId);
  expect(status.stage).toBe('expired');
  expect(status.reminders).toHaveLength(3);
  expect(status.reminders.every((r) => r.delivered)).toBe(true);

  const mine = notices.filter((n) => n.notice.lifecycleId === started.lifecycleId);
  expect(mine.map((n) => n.notice.reminderNumber)).toEqual([1, 2, 3]);
  expect(mine.every((n) => n.signatureValid)).toBe(true);
  const waitingSince = Date.parse(mine[0]!.notice.waitingSince);
  const days = mine.map((n) => Math.round((Date.parse(n.notice.sentAt) - waitingSince) / 86_400_000));
  expect(days).toEqual([1, 7, 13]);
  expect(Date.parse(mine[0]!.notice.deadlineAt!) - waitingSince).toBe(14 * 86_400_000);

  const version = bed.emulator.workItem(status.workItemId)!.versions[0]!;
  expect(version).toMatchObject({ versionId: result.expiredVersionId, status: 'Saved' });
});

test('a token that expires during a three-day wait is renewed when the interview completes', async () => {
  const started = await bed.start();
  const status = await bed.atStage(started.lifecycleId, 'waiting-for-interview');
  await bed.env.sleep('3 days');
  bed.emulator.expireTokens(); // what three days do to a token with a one-day life span
  const loginsBefore = bed.emulator.logins().succeeded;
  await bed.lifecycles.interviewCompleted(started.lifecycleId, status.activeSession!.versionId);
  const result = await bed.lifecycles.result(started.lifecycleId);
  expect(result.outcome).toBe('completed');
  expect(bed.emulator.logins().succeeded).toBe(loginsBefore + 1);
  const statuses = (endpoint: string) =>
    bed.emulator
      .requests()
      .filter((r) => r.endpoint === endpoint && r.workItemId === status.workItemId)
      .map((r) => r.status);
  if (PROTOCOL === 'v2.0') {
    // The Core interview finish is the first call after the wait: it meets the expired token. A
    // refused Core call names only its Core session (the emulator learns the work item after auth).
    const core = status.activeSession!.interview!.coreSessionId;
    const finishes = bed.emulator
      .requests()
      .filter((r) => r.endpoint === 'finishInterview' && r.path.includes(core))
      .map((r) => r.status);
    expect(finishes).toEqual([401, 204]);
    expect(statuses(ENDPOINTS.complete)).toEqual([200]);
  } else {
    expect(statuses(ENDPOINTS.complete)).toEqual([401, 200]);
  }
});

/**
 * v1.1's CompleteSession names no version: a request of an attempt whose answer was lost can reach
 * Advance after the retry succeeded, and complete whatever session is then in progress — a
 * follow-up whose interview nobody has finished. The emulator's `reset-then-apply` fault is that
 * request: the client sees its connection reset at once, and Advance applies the request when the
 * test releases it. The lifecycle holds the next session back for one attempt's bound
 * (ADVANCE_CALL_TIMEOUT_MS, after which a lost attempt's request is dead); a build without that
 * guard shows what it prevents.
 */
const v11Only = PROTOCOL === 'v1.1' ? test : test.skip;

/** A batch session whose CompleteSession is lost in flight, with an interview follow-up queued. */
async function withStrayCompletion(on: Harness) {
  const record = recordFrom(on.emulator);
  on.emulator.setFaults({ script: [{ endpoint: 'completeSession', fault: 'reset-then-apply' }] });
  const started = await on.lifecycles.start(
    lifecycleInput({ mode: 'batch', keepOpenFor: '1h', storeDocuments: false }),
  );
  await on.lifecycles.requestFollowUp(started.lifecycleId, { mode: 'interview' });
  return { record, id: started.lifecycleId };
}

/** The durations of the lifecycle's timers that fit the quarantine's bound (keepOpenFor's do not). */
async function quarantineTimers(on: Harness, id: string): Promise<number[]> {
  const events = (await on.env.client.workflow.getHandle(id).fetchHistory()).events ?? [];
  return events
    .map((e) => Number(e.timerStartedEventAttributes?.startToFireTimeout?.seconds ?? 0) * 1000)
    .filter((ms) => ms > 0 && ms <= ADVANCE_CALL_TIMEOUT_MS);
}

/** Lets the stray request reach Advance, and returns the emulator's record of what it did. */
async function releaseStray(on: Harness, record: EmulatorRecord) {
  expect(on.emulator.releaseDelayedRequests()).toBe(1);
  const [stray] = await eventually(() => {
    const faults = record.faults();
    return faults.length > 0 ? faults : undefined;
  });
  return stray!;
}

v11Only(
  'v1.1: a stray CompleteSession after a retried one meets no session: the next waits it out',
  async () => {
    const { record, id } = await withStrayCompletion(bed);
    // The retry completed the first session; then either the quarantine timer holds the follow-up
    // back, or (without the guard) the follow-up has begun and waits for its interview.
    const holding = await eventually(async () => {
      const s = await bed.lifecycles.status(id);
      if (s.completedSessions.length !== 1) return undefined;
      if (s.stage === 'waiting-for-interview') return s;
      return (await quarantineTimers(bed, id)).length === 1 ? s : undefined;
    });
    expect(holding.stage).toBe('beginning-session');
    expect(record.statuses('completeSession')).toEqual(['reset', 200]);
    expect(record.requests('beginSession')).toHaveLength(1);

    // The stray request arrives inside the bound: there is no session for it to complete.
    const stray = await releaseStray(bed, record);
    expect(stray).toMatchObject({ endpoint: 'completeSession', kind: 'reset-then-apply', applied: false });
    expect(bed.emulator.workItem(holding.workItemId)!.versions.map((v) => v.status)).toEqual(['Completed']);

    // Once the bound has passed, the follow-up begins and waits for its own interview.
    await bed.env.sleep('3 minutes');
    const waiting = await bed.atStage(id, 'waiting-for-interview');
    const followUp = waiting.activeSession!.versionId;
    expect(bed.emulator.workItem(holding.workItemId)!.versions.map((v) => [v.versionId, v.status])).toEqual([
      [holding.completedSessions[0]!.versionId, 'Completed'],
      [followUp, 'InProgress'],
    ]);
    expect(record.requests('beginSession').at(-1)!.seq).toBeGreaterThan(stray.seq);

    // The quarantine was that one timer, recognised by its bound: at most one attempt's time-out.
    const bounded = await quarantineTimers(bed, id);
    expect(bounded).toHaveLength(1);
    expect(bounded[0]).toBeGreaterThan(ADVANCE_CALL_TIMEOUT_MS - 30_000);

    await bed.lifecycles.interviewCompleted(id, followUp);
    await bed.lifecycles.finish(id);
    const result = await bed.lifecycles.result(id);
    expect(result.sessions.map((s) => [s.versionId, s.warning])).toEqual([
      [holding.completedSessions[0]!.versionId, undefined],
      [followUp, undefined],
    ]);
  },
);

v11Only(
  'v1.1 without the quarantine (a test-only build): the stray request completes the follow-up',
  async () => {
    const { record, id } = await withStrayCompletion(unguarded!);
    // Nothing holds the follow-up back: it begins and waits for its interview...
    const waiting = await atStage(unguarded!.lifecycles, id, 'waiting-for-interview', {
      until: (s) => s.completedSessions.length === 1,
    });
    // ...when the lost attempt's request reaches Advance and completes it, interview unfinished.
    const stray = await releaseStray(unguarded!, record);
    expect(stray).toMatchObject({ endpoint: 'completeSession', kind: 'reset-then-apply', applied: true });
    const followUp = unguarded!.emulator
      .workItem(waiting.workItemId)!
      .versions.find((v) => v.versionId === waiting.activeSession!.versionId);
    expect(followUp?.status).toBe('Completed');
    expect((await unguarded!.lifecycles.status(id)).stage).toBe('waiting-for-interview');
    await unguarded!.env.client.workflow.getHandle(id).terminate('the hazard is shown');
  },
);

(PROTOCOL === 'v2.0' ? test : test.skip)(
  'v2.0: a retried completion names its version, so the next session begins without a quarantine',
  async () => {
    bed.emulator.setFaults({ script: [{ endpoint: 'createAndAssemble', fault: 'apply-then-reset' }] });
    const started = await bed.lifecycles.start(
      lifecycleInput({ mode: 'batch', keepOpenFor: '1h', storeDocuments: false }),
    );
    await bed.lifecycles.requestFollowUp(started.lifecycleId, { mode: 'batch' });
    await eventually(async () => {
      const s = await bed.lifecycles.status(started.lifecycleId);
      return s.completedSessions.length === 2 ? s : undefined;
    });
    expect(bed.emulator.injectedFaults()).toEqual([
      expect.objectContaining({ endpoint: 'createAndAssemble' }),
    ]);
    const events = (await bed.env.client.workflow.getHandle(started.lifecycleId).fetchHistory()).events ?? [];
    // No quarantine timer (the only timer would be keepOpenFor's idle wait, after both sessions).
    const timers = events.filter((e) => e.timerStartedEventAttributes);
    expect(
      timers.every((e) => Number(e.timerStartedEventAttributes?.startToFireTimeout?.seconds) >= 3_000),
    ).toBe(true);
    await bed.lifecycles.finish(started.lifecycleId);
    await bed.lifecycles.result(started.lifecycleId);
  },
);

test('a session Advance completed before the lifecycle asked is flagged, not silently accepted', async () => {
  const started = await bed.start();
  const waiting = await bed.atStage(started.lifecycleId, 'waiting-for-interview');
  // A stray request (another process, a lost attempt of an earlier session) completes it first.
  const stray = new AdvanceClient({
    baseUrl: bed.emulator.apis[PROTOCOL].cloud.baseUrl,
    authUrl: bed.emulator.apis[PROTOCOL].cloud.authUrl,
    apiVersion: PROTOCOL,
    ...bed.emulator.credentials,
  });
  // On v2.0 it has to finish the Core interview first, as any client does.
  if (PROTOCOL === 'v2.0') await stray.finishInterview(waiting.activeSession!.interview!);
  await stray.completeSession(waiting.workItemId, { versionId: waiting.activeSession!.versionId });
  await stray.close();
  await bed.lifecycles.interviewCompleted(started.lifecycleId, waiting.activeSession!.versionId);
  const result = await bed.lifecycles.result(started.lifecycleId);
  expect(result.sessions[0]!.warning).toMatch(/already completed this session before this lifecycle asked/);
});
