import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { LifecycleClient, type CompleteInterviewOptions } from '../../src/client';
import { findFreePort } from '../../tools/temporal';
import { lifecycleInput } from '../support/lifecycle-harness';
import { call, startTestGateway, waitForInterview, type InterviewAnswer } from '../support/gateway-harness';
import { gatewayTestbed } from '../support/testbed';

/**
 * A Finish that cannot strand a lifecycle: a valid link is counted against its own session's
 * budget, junk against its sender's address (the browser's behind a proxy: GATEWAY_TRUST_PROXY),
 * and a link's nonce is spent only once the lifecycle (or, with no worker, Temporal's server)
 * took the Finish — a concurrent second post is told to try again, and a post that did not go
 * through leaves the link usable.
 */

let base: string;

const bed = gatewayTestbed();

beforeAll(async () => {
  base = bed.gateway.url;
});

async function waitingInterview(): Promise<InterviewAnswer> {
  const started = await call(`${base}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: `claims-${randomUUID()}` }),
  });
  expect(started.status).toBe(201);
  return waitForInterview(base, started.json.id);
}

/** A finish post as a browser behind the proxy sends it: the proxy adds the browser's address. */
function postFrom(address: string, finishUrl: string) {
  return call(finishUrl, { method: 'POST', key: null, body: {}, headers: { 'x-forwarded-for': address } });
}

const junkToken = (i: number) => `v1.${Buffer.from(`junk-${i}`).toString('base64url')}.${'A'.repeat(43)}`;

async function completedSessions(id: string): Promise<number> {
  const result = await call(`${base}/v1/assemblies/${id}/result?wait=true`);
  expect(result.status).toBe(200);
  return result.json.sessions.length;
}

describe('behind a proxy', () => {
  test('10 junk finish posts do not block a real Finish, whether or not the proxy is trusted', async () => {
    const proxied = await startTestGateway(bed.h.lifecycles, {
      env: { GATEWAY_TRUST_PROXY: 'loopback', GATEWAY_RATE_LIMIT_PER_MINUTE: '3' },
    });
    const unaware = await startTestGateway(bed.h.lifecycles, { env: { GATEWAY_RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const interview = await waitingInterview();
      for (const gateway of [proxied, unaware]) {
        const junk: number[] = [];
        for (let i = 0; i < 10; i += 1) {
          junk.push(
            (await postFrom(`203.0.113.${i % 2}`, `${gateway.url}/v1/finish/${junkToken(i)}`)).status,
          );
        }
        // Each junk address runs out of its own budget.
        expect(junk.filter((s) => s === 429).length).toBeGreaterThan(0);
        expect(junk.every((s) => s === 403 || s === 429)).toBe(true);
      }
      // Even the gateway that does not trust the proxy, and so sees one address for everyone,
      // counts a valid link against its own session, not the address the junk spent: the real
      // browser's Finish goes through.
      const real = await postFrom('198.51.100.7', interview.finishUrl.replace(base, unaware.url));
      expect([real.status, real.json]).toEqual([
        200,
        { id: interview.id, versionId: interview.versionId, interviewCompleted: true, outcome: 'accepted' },
      ]);
      // The junk address stays spent there (it is the proxy's, which is everyone's).
      const more = await postFrom('198.51.100.7', `${unaware.url}/v1/finish/${junkToken(99)}`);
      expect([more.status, more.json.error.code]).toEqual([429, 'rate-limited']);
      expect(await completedSessions(interview.id)).toBe(1);
    } finally {
      await proxied.close();
      await unaware.close();
    }
  });

  test('a link has a budget of its own, whatever the addresses; junk tokens do not spend it', async () => {
    const limited = await startTestGateway(bed.h.lifecycles, {
      // Trusting by hop count this time: the one proxy in front (here the test itself).
      env: { GATEWAY_TRUST_PROXY: '1', GATEWAY_FINISH_LINK_RATE_LIMIT_PER_MINUTE: '2' },
    });
    try {
      const interview = await waitingInterview();
      const link = interview.finishUrl.replace(base, limited.url);
      for (let i = 0; i < 5; i += 1)
        await postFrom('203.0.113.50', `${limited.url}/v1/finish/${junkToken(i)}`);
      expect((await postFrom('198.51.100.1', link)).status).toBe(200);
      expect((await postFrom('198.51.100.2', link)).status).toBe(410);
      const third = await postFrom('198.51.100.3', link);
      expect([third.status, third.json.error.code]).toEqual([429, 'rate-limited']);
      expect(third.json.error.message).toMatch(/for this interview: at most 2 a minute/);
      expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

describe('single use, spent only once the lifecycle took the Finish', () => {
  test('a Finish whose first attempt fails (Temporal unreachable) succeeds on the second click', async () => {
    // The first signal goes over a connection to a port nothing listens on: a real failure of
    // a real gRPC call. Every other call goes to the run's Temporal server.
    const nowhere = Connection.lazy({ address: `127.0.0.1:${await findFreePort()}` });
    const unreachable = new LifecycleClient(new Client({ connection: nowhere }), {
      taskQueue: bed.h.taskQueue,
    });
    let attempts = 0;
    const firstFails = new (class extends LifecycleClient {
      override async completeInterview(id: string, options: CompleteInterviewOptions) {
        attempts += 1;
        if (attempts > 1) return super.completeInterview(id, options);
        // Neither the update (1 s) nor the signal it falls back to (by 1.5 s) gets through.
        return unreachable.temporal.withDeadline(Date.now() + 1500, () =>
          unreachable.completeInterview(id, { ...options, acceptWithinMs: 1000 }),
        );
      }
    })(bed.env.client, { taskQueue: bed.h.taskQueue });
    const flaky = await startTestGateway(firstFails);
    try {
      const interview = await waitingInterview();
      const link = interview.finishUrl.replace(base, flaky.url);
      const first = await call(link, { method: 'POST', key: null, body: {} });
      expect([first.status, first.json.error.code]).toEqual([503, 'temporal-unavailable']);
      // Nothing was signalled, and the link is not "already finished".
      const status = await call(`${base}/v1/assemblies/${interview.id}`);
      expect(status.json.activeSession.interviewCompleted).toBe(false);
      const second = await call(link, { method: 'POST', key: null, body: {} });
      expect([second.status, second.json.interviewCompleted]).toEqual([200, true]);
      expect(attempts).toBe(2);
      expect(await completedSessions(interview.id)).toBe(1);
    } finally {
      await flaky.close();
      await nowhere.close();
    }
  });

  test('a second post while the first is signalling: 409 finish-in-progress, then the first succeeds', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let entered!: () => void;
    const signalling = new Promise<void>((resolve) => (entered = resolve));
    const slow = new (class extends LifecycleClient {
      override async completeInterview(id: string, options: CompleteInterviewOptions) {
        entered();
        await gate;
        return super.completeInterview(id, options);
      }
    })(bed.env.client, { taskQueue: bed.h.taskQueue });
    const gateway = await startTestGateway(slow);
    try {
      const interview = await waitingInterview();
      const link = interview.finishUrl.replace(base, gateway.url);
      const first = call(link, { method: 'POST', key: null, body: {} });
      await signalling;
      const second = await call(link, {
        method: 'POST',
        key: null,
        body: {},
        headers: { accept: 'text/html' },
      });
      expect(second.status).toBe(409);
      expect(second.text).toContain('being sent right now');
      expect(second.text).toContain('finish-in-progress');
      const json = await call(link, { method: 'POST', key: null, body: {} });
      expect(json.json.error).toEqual({
        code: 'finish-in-progress',
        message: 'This interview is being finished right now; try again in a moment',
      });
      open();
      expect((await first).status).toBe(200);
      // Now it is spent: used, for real.
      const again = await call(link, { method: 'POST', key: null, body: {} });
      expect([again.status, again.json.error.code]).toEqual([410, 'finish-link-used']);
      expect(await completedSessions(interview.id)).toBe(1);
    } finally {
      open();
      await gateway.close();
    }
  });
});
