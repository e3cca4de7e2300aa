import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { signNotice, SIGNATURE_HEADER, type ReminderNotice } from '../../src/notifications/reminder-webhook';
import { createTimeSkippingEnvironment } from '../helpers/temporal';
import {
  createHarness,
  eventually,
  lifecycleInput,
  registerLifecycleSearchAttributes,
  type Harness,
} from './harness';

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
        signatureValid: header === signNotice(body, WEBHOOK_SECRET, timestamp),
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
    .filter((r) => r.endpoint === 'completeSession' && r.workItemId === status.workItemId);
  expect(completes.map((r) => r.status)).toEqual([401, 200]);
});
