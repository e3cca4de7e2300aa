import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { AdvanceClient } from '../../src/advance';
import type { ReminderNotice } from '../../src/notifications/reminder-webhook';
import { SIGNATURE_HEADER, signWebhookBody } from '../../src/notifications/webhook-signature';
import { ENDPOINTS, PROTOCOL } from '../support/protocol';
import { createTimeSkippingEnvironment } from '../support/temporal';
import {
  createHarness,
  eventually,
  lifecycleInput,
  registerLifecycleSearchAttributes,
  type Harness,
} from '../support/lifecycle-harness';

/**
 * Days-long waits on the time-skipping test server: the interview deadline with reminders, and a
 * token that expires while a lifecycle waits.
 */

const WEBHOOK_SECRET = 'reminder-signing-key';
let env: TestWorkflowEnvironment;
let h: Harness;
let webhook: Server;
const notices: Array<{ notice: ReminderNotice; signatureValid: boolean }> = [];

beforeAll(async () => {
  webhook = createServer((req, res) => {
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
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  const port = (webhook.address() as AddressInfo).port;
  env = await createTimeSkippingEnvironment();
  await registerLifecycleSearchAttributes(env);
  h = await createHarness(
    env,
    {},
    { REMINDER_WEBHOOK_URL: `http://127.0.0.1:${port}/reminders`, REMINDER_WEBHOOK_SECRET: WEBHOOK_SECRET },
  );
  await h.startWorker();
}, 120_000);

afterAll(async () => {
  await h?.close();
  await env?.teardown();
  await new Promise((resolve) => webhook?.close(resolve));
});

test('a 14-day deadline with reminders: reminders posted and signed, then the session is saved', async () => {
  const started = await h.lifecycles.start(
    lifecycleInput({ interview: { deadline: '14d', reminders: ['1d', '7d', '13d'] } }),
  );
  const result = await h.lifecycles.result(started.lifecycleId);
  expect(result.outcome).toBe('expired');
  const status = await h.lifecycles.status(started.lifecycleId);
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

  const version = h.emulator.workItem(status.workItemId)!.versions[0]!;
  expect(version).toMatchObject({ versionId: result.expiredVersionId, status: 'Saved' });
});

test('a token that expires during a three-day wait is renewed when the interview completes', async () => {
  const started = await h.lifecycles.start(lifecycleInput());
  const status = await eventually(async () => {
    const s = await h.lifecycles.status(started.lifecycleId);
    return s.stage === 'waiting-for-interview' ? s : undefined;
  });
  await env.sleep('3 days');
  h.emulator.expireTokens(); // what three days do to a token with a one-day life span
  const loginsBefore = h.emulator.logins().succeeded;
  await h.lifecycles.interviewCompleted(started.lifecycleId, status.activeSession!.versionId);
  const result = await h.lifecycles.result(started.lifecycleId);
  expect(result.outcome).toBe('completed');
  expect(h.emulator.logins().succeeded).toBe(loginsBefore + 1);
  const completes = h.emulator
    .requests()
    .filter((r) => r.endpoint === ENDPOINTS.complete && r.workItemId === status.workItemId);
  expect(completes.map((r) => r.status)).toEqual([401, 200]);
});

(PROTOCOL === 'v1.1' ? test : test.skip)(
  'v1.1: a CompleteSession that needed a retry holds the next session back until a stray request is dead',
  async () => {
    // Attempt 1 is applied at Advance but its answer is lost: attempt 2 finds the session completed.
    h.emulator.setFaults({ script: [{ endpoint: 'completeSession', fault: 'apply-then-reset' }] });
    const started = await h.lifecycles.start(
      lifecycleInput({ mode: 'batch', keepOpenFor: '1h', storeDocuments: false }),
    );
    await h.lifecycles.requestFollowUp(started.lifecycleId, { mode: 'batch' });
    // The follow-up waits (a durable timer) instead of beginning at once...
    const holding = await eventually(async () => {
      const s = await h.lifecycles.status(started.lifecycleId);
      return s.completedSessions.length === 1 && s.stage === 'beginning-session' ? s : undefined;
    });
    const begins = () =>
      h.emulator
        .requests()
        .filter((r) => r.endpoint === 'beginSession' && r.workItemId === holding.workItemId);
    expect(begins()).toHaveLength(1);
    // ...and begins once two minutes have passed.
    await h.env.sleep('3 minutes');
    await eventually(async () => {
      const s = await h.lifecycles.status(started.lifecycleId);
      return s.completedSessions.length === 2 ? s : undefined;
    });
    const handle = h.env.client.workflow.getHandle(started.lifecycleId);
    const events = (await handle.fetchHistory()).events ?? [];
    const timer = events.find((e) => e.timerStartedEventAttributes);
    expect(Number(timer?.timerStartedEventAttributes?.startToFireTimeout?.seconds)).toBeGreaterThanOrEqual(
      119,
    );
    expect(begins()).toHaveLength(2);
    await h.lifecycles.finish(started.lifecycleId);
    await h.lifecycles.result(started.lifecycleId);
  },
);

(PROTOCOL === 'v2.0' ? test : test.skip)(
  'v2.0: a retried completion names its version, so the next session begins without a quarantine',
  async () => {
    h.emulator.setFaults({ script: [{ endpoint: 'createAndAssemble', fault: 'apply-then-reset' }] });
    const started = await h.lifecycles.start(
      lifecycleInput({ mode: 'batch', keepOpenFor: '1h', storeDocuments: false }),
    );
    await h.lifecycles.requestFollowUp(started.lifecycleId, { mode: 'batch' });
    await eventually(async () => {
      const s = await h.lifecycles.status(started.lifecycleId);
      return s.completedSessions.length === 2 ? s : undefined;
    });
    expect(h.emulator.injectedFaults()).toEqual([expect.objectContaining({ endpoint: 'createAndAssemble' })]);
    const events = (await h.env.client.workflow.getHandle(started.lifecycleId).fetchHistory()).events ?? [];
    // No quarantine timer (the only timer would be keepOpenFor's idle wait, after both sessions).
    const timers = events.filter((e) => e.timerStartedEventAttributes);
    expect(
      timers.every((e) => Number(e.timerStartedEventAttributes?.startToFireTimeout?.seconds) >= 3_000),
    ).toBe(true);
    await h.lifecycles.finish(started.lifecycleId);
    await h.lifecycles.result(started.lifecycleId);
  },
);

test('a session Advance completed before the lifecycle asked is flagged, not silently accepted', async () => {
  const started = await h.lifecycles.start(lifecycleInput());
  const waiting = await eventually(async () => {
    const s = await h.lifecycles.status(started.lifecycleId);
    return s.stage === 'waiting-for-interview' ? s : undefined;
  });
  // A stray request (another process, a lost attempt of an earlier session) completes it first.
  const stray = new AdvanceClient({
    baseUrl: h.emulator.apis[PROTOCOL].cloud.baseUrl,
    authUrl: h.emulator.apis[PROTOCOL].cloud.authUrl,
    apiVersion: PROTOCOL,
    ...h.emulator.credentials,
  });
  await stray.completeSession(waiting.workItemId, { versionId: waiting.activeSession!.versionId });
  await stray.close();
  await h.lifecycles.interviewCompleted(started.lifecycleId, waiting.activeSession!.versionId);
  const result = await h.lifecycles.result(started.lifecycleId);
  expect(result.sessions[0]!.warning).toMatch(/already completed this session before this lifecycle asked/);
});
