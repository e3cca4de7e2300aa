import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createEventDeliveryActivities } from '../../src/activities';
import { ConfigError, loadWorkerConfig, type Env } from '../../src/config';
import { CompletionWebhook } from '../../src/notifications/completion-webhook';
import { lifecycleEvent } from '../../src/notifications/lifecycle-events';
import {
  retryAfterMsOf,
  WebhookDeliveryError,
  type WebhookAttempt,
} from '../../src/notifications/webhook-post';
import { EVENT_ID_HEADER, verifyWebhook } from '../../src/notifications/webhook-signature';
import { FailureType } from '../../src/workflows/failure-types';

/**
 * The sender of lifecycle events against a real loopback server: what it sends, how it reads each
 * answer (delivered, retry, refused), the activity around it, and its configuration.
 */

const SECRET = 'completion-secret-unit';
const TOKEN = 'url-token-never-logged';

interface Seen {
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let base: string;
let answer: (response: ServerResponse) => void = (response) => response.writeHead(204).end();
const received: Seen[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const event = lifecycleEvent(
  'session.completed',
  {
    lifecycleId: 'assembly-lease/42',
    workItemId: 'w-1',
    versionId: 'v-1',
    documents: [{ documentId: 'doc 1', name: 'Lease', sha256: 'b'.repeat(64), size: 7 }],
  },
  { id: 'event-1', occurredAt: '2026-09-21T10:00:00.000Z' },
);

const webhook = (timeoutMs = 2_000) =>
  new CompletionWebhook({ url: `${base}/hooks?token=${TOKEN}`, secret: SECRET, timeoutMs });

async function failureOf(promise: Promise<unknown>): Promise<WebhookDeliveryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebhookDeliveryError);
  expect((error as Error).message).not.toContain(TOKEN);
  expect((error as Error).message).not.toContain(SECRET);
  return error as WebhookDeliveryError;
}

describe('CompletionWebhook', () => {
  test('tells onAttempt how each post ended: delivered, failed (retried) or refused', async () => {
    const attempts: WebhookAttempt[] = [];
    const observed = new CompletionWebhook({
      url: `${base}/hooks`,
      secret: SECRET,
      timeoutMs: 2_000,
      onAttempt: (attempt) => attempts.push(attempt),
    });
    for (const status of [204, 503, 410]) {
      answer = (response) => response.writeHead(status).end();
      await observed.send(event).catch(() => undefined);
    }
    expect(attempts.map(({ webhook, outcome, status }) => ({ webhook, outcome, status }))).toEqual([
      { webhook: 'completion', outcome: 'delivered', status: 204 },
      { webhook: 'completion', outcome: 'failed', status: 503 },
      { webhook: 'completion', outcome: 'refused', status: 410 },
    ]);
    expect(attempts.every((attempt) => attempt.durationMs >= 0)).toBe(true);
  });

  test('posts the event as JSON, signed, with its id in a header', async () => {
    answer = (response) => response.writeHead(202).end('queued');
    expect(await webhook().send(event)).toEqual({ status: 202 });
    const last = received.at(-1)!;
    expect(last.headers['content-type']).toBe('application/json');
    expect(last.headers[EVENT_ID_HEADER]).toBe('event-1');
    expect(verifyWebhook({ body: last.body, headers: last.headers }, { secret: SECRET })).toEqual(event);
  });

  test.each([
    [500, true],
    [503, true],
    [408, true],
    [425, true],
    [429, true],
    [400, false],
    [401, false],
    [404, false],
    [409, false],
    [410, false],
    [301, false],
  ])('HTTP %i: retryable %s', async (status, retryable) => {
    answer = (response) => response.writeHead(status, status === 301 ? { location: '/elsewhere' } : {}).end();
    const error = await failureOf(webhook().send(event));
    expect({ status: error.status, retryable: error.retryable, webhook: error.webhook }).toEqual({
      status,
      retryable,
      webhook: 'completion',
    });
    expect(error.message).toContain(`HTTP ${status}`);
  });

  test("a throttled receiver's Retry-After is kept for the retry", async () => {
    answer = (response) => response.writeHead(429, { 'retry-after': '7' }).end();
    expect((await failureOf(webhook().send(event))).retryAfterMs).toBe(7_000);
    expect(retryAfterMsOf('Wed, 21 Oct 2026 07:28:00 GMT', Date.parse('Wed, 21 Oct 2026 07:27:00 GMT'))).toBe(
      60_000,
    );
    expect(retryAfterMsOf('in a while')).toBeUndefined();
    expect(retryAfterMsOf('86400')).toBeUndefined(); // a day: not believed
  });

  test('no answer within the timeout, and no server at all, are retryable', async () => {
    const held: ServerResponse[] = [];
    answer = (response) => void held.push(response); // never answers
    const slow = await failureOf(webhook(300).send(event));
    for (const response of held) response.destroy();
    expect(slow).toMatchObject({ retryable: true, status: undefined });
    expect(slow.message).toContain('no answer within 300 ms');
    const nobody = new CompletionWebhook({ url: 'http://127.0.0.1:9/hook', secret: SECRET });
    expect((await failureOf(nobody.send(event))).retryable).toBe(true);
  });

  test('describes itself by origin only', () => {
    expect(webhook().describe()).toBe(base);
  });
});

describe('the deliverLifecycleEvent activity', () => {
  test('without a webhook it records "not configured" and sends nothing', async () => {
    const activities = createEventDeliveryActivities({});
    const before = received.length;
    const result = await new MockActivityEnvironment().run(activities.deliverLifecycleEvent, event);
    expect(result).toEqual({
      outcome: 'not-configured',
      attempts: 0,
      detail: 'no COMPLETION_WEBHOOK_URL configured',
    });
    expect(received.length).toBe(before);
  });

  test('adds gateway links to the documents and reports the attempt that delivered', async () => {
    answer = (response) => response.writeHead(204).end();
    const activities = createEventDeliveryActivities({
      completionWebhook: webhook(),
      gatewayPublicUrl: 'https://docs.example.com/hotdocs',
    });
    const result = await new MockActivityEnvironment({ attempt: 4 }).run(
      activities.deliverLifecycleEvent,
      event,
    );
    expect(result).toEqual({ outcome: 'delivered', attempts: 4, status: 204, detail: 'HTTP 204' });
    const sent = JSON.parse(received.at(-1)!.body);
    expect(sent.documents[0].href).toBe(
      'https://docs.example.com/hotdocs/v1/assemblies/assembly-lease%2F42/documents/doc%201',
    );
  });

  test('failures leave typed, with the status and the attempt', async () => {
    const activities = createEventDeliveryActivities({ completionWebhook: webhook() });
    for (const [status, type, nonRetryable] of [
      [503, FailureType.LifecycleEventNotDelivered, false],
      [410, FailureType.LifecycleEventRefused, true],
    ] as const) {
      answer = (response) => response.writeHead(status).end();
      const failure = await new MockActivityEnvironment({ attempt: 2 })
        .run(activities.deliverLifecycleEvent, event)
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type, nonRetryable, details: [{ status, attempt: 2 }] });
    }
  });
});

describe('configuration', () => {
  const advance: Env = {
    ADVANCE_DEPLOYMENT: 'cloud',
    ADVANCE_TENANCY: 'acme',
    ADVANCE_CLIENT_NAME: 'orchestrator',
    ADVANCE_PRINCIPAL_NAME: 'svc-assembly',
    ADVANCE_PRINCIPAL_PASSWORD: 'pr1ncipal',
  };
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hotdocs-completion-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function problems(env: Env): readonly string[] {
    try {
      loadWorkerConfig({ ...advance, ...env });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).not.toContain(SECRET);
      return (error as ConfigError).problems;
    }
    throw new Error('expected a configuration error');
  }

  test('off by default; on with a URL and a secret (or its file), 10 s per attempt unless set', async () => {
    expect(loadWorkerConfig(advance).completionWebhook).toBeUndefined();
    expect(loadWorkerConfig(advance).gatewayPublicUrl).toBeUndefined();
    const file = path.join(dir, 'secret');
    await writeFile(file, `${SECRET}\n`);
    const config = loadWorkerConfig({
      ...advance,
      COMPLETION_WEBHOOK_URL: 'https://erp.example.com/hooks/hotdocs',
      COMPLETION_WEBHOOK_SECRET_FILE: file,
      GATEWAY_PUBLIC_URL: 'https://docs.example.com/',
    });
    expect(config.completionWebhook).toEqual({
      url: 'https://erp.example.com/hooks/hotdocs',
      secret: SECRET,
      timeoutMs: 10_000,
    });
    expect(config.gatewayPublicUrl).toBe('https://docs.example.com');
    const quick = loadWorkerConfig({
      ...advance,
      COMPLETION_WEBHOOK_URL: 'http://127.0.0.1:9000/h',
      COMPLETION_WEBHOOK_SECRET: SECRET,
      COMPLETION_WEBHOOK_TIMEOUT: '2500ms',
    });
    expect(quick.completionWebhook?.timeoutMs).toBe(2_500);
  });

  test('every mistake is named by its variable, and the secret never shows', () => {
    expect(problems({ COMPLETION_WEBHOOK_URL: 'https://erp.example.com/h' })).toEqual([
      'COMPLETION_WEBHOOK_SECRET (or _FILE) is required with COMPLETION_WEBHOOK_URL',
    ]);
    expect(problems({ COMPLETION_WEBHOOK_URL: 'ftp://erp', COMPLETION_WEBHOOK_SECRET: SECRET })).toEqual([
      'COMPLETION_WEBHOOK_URL must be an http(s) URL',
    ]);
    expect(
      problems({
        COMPLETION_WEBHOOK_URL: 'https://erp.example.com/h',
        COMPLETION_WEBHOOK_SECRET: SECRET,
        COMPLETION_WEBHOOK_SECRET_FILE: path.join(dir, 'secret'),
      }),
    ).toEqual(['COMPLETION_WEBHOOK_SECRET and COMPLETION_WEBHOOK_SECRET_FILE are both set: use one']);
    expect(problems({ COMPLETION_WEBHOOK_TIMEOUT: '5m' })).toEqual([
      'COMPLETION_WEBHOOK_TIMEOUT must be a duration such as 30s, 15m or 24h, at most 1m',
    ]);
    expect(problems({ GATEWAY_PUBLIC_URL: 'docs.example.com' })).toEqual([
      'GATEWAY_PUBLIC_URL must be an http(s) URL without credentials, query or fragment',
    ]);
  });
});
