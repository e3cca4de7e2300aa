import { startEmulator, type EndpointName, type FaultsConfig } from '../../tools/emulator';
import { createHash } from 'node:crypto';
import { eventually } from '../support/eventually';
import { emulatorHarness, http, newId, TestEmulator, type ListedDocument } from '../support/emulator-harness';

const harness = emulatorHarness();

async function started(faults: FaultsConfig = {}): Promise<{ test: TestEmulator; token: string }> {
  const test = await harness.start();
  const token = await test.login();
  test.emulator.setFaults(faults);
  return { test, token };
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const nonEmpty = <T>(list: T[]): T[] | undefined => (list.length > 0 ? list : undefined);
const inFlight = (test: TestEmulator, endpoint: EndpointName): boolean =>
  test.emulator.requests().some((r) => r.endpoint === endpoint && r.status === null);

/** A connection reset shows up as a rejected request, never as a status. */
async function expectConnectionLost(pending: Promise<unknown>): Promise<void> {
  await expect(pending).rejects.toMatchObject({
    code: expect.stringMatching(/ECONNRESET|UND_ERR_SOCKET|EPIPE/),
  });
}

describe('scripted faults', () => {
  it('error answers 503 by default, changes nothing, and is consumed once', async () => {
    const { test, token } = await started({ script: [{ endpoint: 'createWorkItem', fault: 'error' }] });
    const id = newId();
    const failed = await test.createWorkItem(token, id);
    expect(failed.status).toBe(503);
    expect(failed.json()).toEqual({ message: expect.any(String) });
    expect(test.emulator.state.workItems).toEqual([]);
    expect((await test.createWorkItem(token, id)).status).toBe(200);
  });

  it('error uses the scripted status and repeats `times` times', async () => {
    const { test, token } = await started({
      script: [{ endpoint: 'getWorkItem', fault: 'error', status: 500, times: 2 }],
    });
    const id = newId();
    await test.createWorkItem(token, id);
    expect((await test.getWorkItem(token, id)).status).toBe(500);
    expect((await test.getWorkItem(token, id)).status).toBe(500);
    expect((await test.getWorkItem(token, id)).status).toBe(200);
    expect(test.emulator.faults().script).toEqual([]);
  });

  it('throttle answers 429 with Retry-After and changes nothing', async () => {
    const { test, token } = await started({
      script: [{ endpoint: 'beginSession', fault: 'throttle', retryAfterSeconds: 7 }],
    });
    const id = newId();
    await test.createWorkItem(token, id);
    const throttled = await test.begin(token, id, newId());
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('7');
    expect(test.emulator.workItem(id)?.versions).toEqual([]);
  });

  it('reset drops the connection before any state change', async () => {
    const { test, token } = await started({ script: [{ endpoint: 'createWorkItem', fault: 'reset' }] });
    const id = newId();
    await expectConnectionLost(test.createWorkItem(token, id));
    expect(test.emulator.workItem(id)).toBeUndefined();
    expect(test.emulator.counts().createWorkItem).toEqual({ total: 1, byStatus: { reset: 1 } });
    expect((await test.createWorkItem(token, id)).status).toBe(200);
  });

  it('apply-then-error applies the request, then answers a 5xx: a retry sees "already exists"', async () => {
    const { test, token } = await started({
      script: [{ endpoint: 'createWorkItem', fault: 'apply-then-error' }],
    });
    const id = newId();
    const lost = await test.createWorkItem(token, id);
    expect(lost.status).toBe(502);
    expect(test.emulator.workItem(id)?.name).toBe('Engagement letter');

    const retry = await test.createWorkItem(token, id);
    expect(retry.status).toBe(409);
    expect(test.emulator.duplicates().map((record) => record.outcome)).toEqual(['conflict']);
    expect(test.emulator.injectedFaults()).toEqual([
      expect.objectContaining({
        endpoint: 'createWorkItem',
        kind: 'apply-then-error',
        status: 502,
        applied: true,
      }),
    ]);
  });

  it('apply-then-reset applies the request, then drops the connection: the session exists', async () => {
    const { test, token } = await started({
      script: [{ endpoint: 'beginSession', fault: 'apply-then-reset' }],
    });
    const id = newId();
    const versionId = newId();
    await test.createWorkItem(token, id);
    await expectConnectionLost(test.begin(token, id, versionId));

    expect(test.emulator.workItem(id)?.activeVersionId).toBe(versionId);
    const retry = await test.begin(token, id, versionId);
    expect(retry.status).toBe(409);
    expect(test.emulator.duplicates()).toEqual([expect.objectContaining({ outcome: 'repeat-rejected' })]);
    const entry = test.emulator.requests().find((candidate) => candidate.fault !== undefined);
    expect(entry).toMatchObject({
      endpoint: 'beginSession',
      status: null,
      versionId,
      fault: { kind: 'apply-then-reset', applied: true },
    });
  });

  it('apply-then-error on complete: documents exist although the client saw a failure', async () => {
    const { test, token } = await started({
      script: [{ endpoint: 'completeSession', fault: 'apply-then-error', status: 500 }],
    });
    const id = newId();
    await test.createWorkItem(token, id);
    await test.begin(token, id, newId());
    expect((await test.complete(token, id)).status).toBe(500);
    expect((await test.complete(token, id)).status).toBe(409);
    expect((await test.listDocuments(token, id)).json()).toHaveLength(2);
  });

  it('latency delays the request and then handles it normally', async () => {
    const { test, token } = await started({
      script: [{ endpoint: 'getWorkItem', fault: 'latency', latencyMs: 50 }],
    });
    const id = newId();
    await test.createWorkItem(token, id);
    expect((await test.getWorkItem(token, id)).status).toBe(200);
    expect(test.emulator.injectedFaults()).toEqual([
      expect.objectContaining({ endpoint: 'getWorkItem', kind: 'latency', latencyMs: 50, applied: true }),
    ]);
  });

  it('a latency held for a minute goes on when released, as soon as it is released', async () => {
    const { test, token } = await started({
      script: [{ endpoint: 'getWorkItem', fault: 'latency', latencyMs: 60_000 }],
    });
    const id = newId();
    await test.createWorkItem(token, id);
    const pending = test.getWorkItem(token, id);
    await eventually(() => (inFlight(test, 'getWorkItem') ? true : undefined));
    expect(test.emulator.injectedFaults()).toEqual([]);
    expect(test.emulator.releaseDelayedRequests()).toBe(1);
    expect((await pending).status).toBe(200);
    expect(test.emulator.injectedFaults()).toEqual([
      expect.objectContaining({ endpoint: 'getWorkItem', kind: 'latency', applied: true }),
    ]);
    // Over HTTP too; nothing is held any more.
    const released = await http('POST', test.control('/faults/release'));
    expect(released.json()).toEqual({ released: 0 });
  });

  it('reset-then-apply resets the connection at once and applies the request when released', async () => {
    const { test, token } = await started({
      script: [{ endpoint: 'completeSession', fault: 'reset-then-apply' }],
    });
    const id = newId();
    const versionId = newId();
    await test.createWorkItem(token, id);
    await test.begin(token, id, versionId);
    await expectConnectionLost(test.complete(token, id));
    // The client gave up; Advance has not seen the request yet: the session is still in progress.
    expect(test.emulator.workItem(id)?.activeVersionId).toBe(versionId);
    expect(test.emulator.counts().completeSession).toEqual({ total: 1, byStatus: { reset: 1 } });
    expect(test.emulator.requests().at(-1)).toMatchObject({
      fault: { kind: 'reset-then-apply', applied: false },
    });

    expect(test.emulator.releaseDelayedRequests()).toBe(1);
    const [fault] = await eventually(() => nonEmpty(test.emulator.injectedFaults()));
    expect(fault).toMatchObject({ endpoint: 'completeSession', kind: 'reset-then-apply', applied: true });
    expect(test.emulator.workItem(id)?.versions.map((v) => v.status)).toEqual(['Completed']);
    expect(test.emulator.requests().at(-1)).toMatchObject({
      status: null,
      fault: { kind: 'reset-then-apply', applied: true },
    });
  });

  it('reset-then-apply that finds nothing to act on is recorded as not applied', async () => {
    const { test, token } = await started({
      script: [{ endpoint: 'completeSession', fault: 'reset-then-apply', latencyMs: 0 }],
    });
    const id = newId();
    await test.createWorkItem(token, id);
    await expectConnectionLost(test.complete(token, id));
    const [fault] = await eventually(() => nonEmpty(test.emulator.injectedFaults()));
    expect(fault).toMatchObject({ kind: 'reset-then-apply', applied: false });
  });

  it('corrupt serves a document with one byte changed: same length, another SHA-256', async () => {
    const { test, token } = await started({ script: [{ endpoint: 'downloadDocument', fault: 'corrupt' }] });
    const id = newId();
    await test.createWorkItem(token, id);
    await test.begin(token, id, newId());
    await test.complete(token, id);
    const [listed] = (await test.listDocuments(token, id)).json<ListedDocument[]>();
    const original = test.emulator.documentContent(id, listed!.id)!;

    const corrupt = await test.download(token, id, listed!.id);
    expect(corrupt.status).toBe(200);
    expect(corrupt.bytes.length).toBe(original.length);
    expect(Number(corrupt.headers['content-length'])).toBe(listed!.size);
    expect(corrupt.bytes.equals(original)).toBe(false);
    expect(sha256(corrupt.bytes)).not.toBe(listed!.sha256);
    expect(test.emulator.injectedFaults()).toEqual([
      expect.objectContaining({ endpoint: 'downloadDocument', kind: 'corrupt', applied: true }),
    ]);

    const again = await test.download(token, id, listed!.id);
    expect(sha256(again.bytes)).toBe(listed!.sha256);
  });

  it('corrupt is refused on an endpoint that serves no document', () => {
    const emulator = startEmulator({ faults: { script: [{ endpoint: 'listDocuments', fault: 'corrupt' }] } });
    return expect(emulator).rejects.toThrow(/a corrupt fault alters a document download/);
  });

  it('consumes script entries in order, per endpoint, and only by requests to that endpoint', async () => {
    const { test, token } = await started({
      script: [
        { endpoint: 'getWorkItem', fault: 'error', status: 500 },
        { endpoint: 'createWorkItem', fault: 'error', status: 502 },
        { endpoint: 'getWorkItem', fault: 'throttle' },
      ],
    });
    const id = newId();
    expect((await test.createWorkItem(token, id)).status).toBe(502);
    expect((await test.getWorkItem(token, id)).status).toBe(500);
    expect((await test.getWorkItem(token, id)).status).toBe(429);
    expect((await test.getWorkItem(token, id)).status).toBe(404);
  });

  it('faults the login endpoint too', async () => {
    const test = await harness.start({
      faults: { script: [{ endpoint: 'login', fault: 'error', status: 500 }] },
    });
    expect((await test.loginRequest()).status).toBe(500);
    expect((await test.loginRequest()).status).toBe(200);
    expect(test.emulator.logins()).toEqual({ total: 1, succeeded: 1, failed: 0 });
  });
});

describe('rate-based faults', () => {
  const rules: FaultsConfig['rules'] = [{ endpoint: 'getWorkItem', errorRate: 0.3, throttleRate: 0.2 }];

  async function statusesFor(seed: number, requests = 40): Promise<number[]> {
    const emulator = await startEmulator({ faults: { seed, rules } });
    try {
      const test = new TestEmulator(emulator);
      const token = await test.login();
      const id = newId();
      await test.createWorkItem(token, id);
      const statuses: number[] = [];
      for (let i = 0; i < requests; i += 1) statuses.push((await test.getWorkItem(token, id)).status);
      return statuses;
    } finally {
      await emulator.close();
    }
  }

  it('are reproducible with the same seed and request order', async () => {
    const first = await statusesFor(42);
    const second = await statusesFor(42);
    expect(second).toEqual(first);
    expect(first.every((status) => [200, 429, 500, 502, 503].includes(status))).toBe(true);
    expect(first.some((status) => status !== 200)).toBe(true);
    expect(first.some((status) => status === 200)).toBe(true);
    expect(await statusesFor(7)).not.toEqual(first);
  });

  it('restart from the seed when the faults are set again', async () => {
    const { test, token } = await started({ seed: 9, rules });
    const id = newId();
    await test.createWorkItem(token, id);
    const run = async (): Promise<number[]> => {
      const statuses: number[] = [];
      for (let i = 0; i < 20; i += 1) statuses.push((await test.getWorkItem(token, id)).status);
      return statuses;
    };
    const first = await run();
    const put = await http('PUT', test.control('/faults'), { body: { seed: 9, rules } });
    expect(put.status).toBe(200);
    expect(await run()).toEqual(first);
  });

  it('pick statuses from errorStatuses and set Retry-After from retryAfterSeconds', async () => {
    const { test, token } = await started({
      rules: [
        { endpoint: 'getWorkItem', errorRate: 1, errorStatuses: [504] },
        { endpoint: 'listDocuments', throttleRate: 1, retryAfterSeconds: 3 },
      ],
    });
    const id = newId();
    await test.createWorkItem(token, id);
    expect((await test.getWorkItem(token, id)).status).toBe(504);
    const throttled = await test.listDocuments(token, id);
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('3');
  });

  it('apply-then-fail rules apply the request before failing it', async () => {
    const { test, token } = await started({
      rules: [
        { endpoint: 'createWorkItem', applyThenFailRate: 1, applyThenFail: 'status', errorStatuses: [503] },
      ],
    });
    const id = newId();
    expect((await test.createWorkItem(token, id)).status).toBe(503);
    expect(test.emulator.workItem(id)).toBeDefined();
  });

  it('reset rules drop connections', async () => {
    const { test, token } = await started({ rules: [{ endpoint: 'getWorkItem', resetRate: 1 }] });
    await expectConnectionLost(test.getWorkItem(token, newId()));
  });

  it('a specific rule wins over "*", and "*" covers the other endpoints', async () => {
    const { test, token } = await started({
      rules: [
        { endpoint: '*', errorRate: 1, errorStatuses: [500] },
        { endpoint: 'getWorkItem', errorRate: 0 },
      ],
    });
    expect((await test.getWorkItem(token, newId())).status).toBe(404);
    expect((await test.listDocuments(token, newId())).status).toBe(500);
  });

  it('never touch the control or interview endpoints', async () => {
    const { test } = await started({ rules: [{ endpoint: '*', errorRate: 1 }] });
    for (const path of ['/health', '/state', '/requests', '/counts', '/logins', '/duplicates', '/faults']) {
      expect((await http('GET', test.control(path))).status).toBe(200);
    }
    expect((await http('GET', test.control(`/interview/${newId()}`))).status).toBe(404);
  });
});

describe('fault configuration and records', () => {
  it('records every injected fault in the request log and the injected list', async () => {
    const { test, token } = await started({
      script: [
        { endpoint: 'getWorkItem', fault: 'error' },
        { endpoint: 'listDocuments', fault: 'throttle' },
      ],
    });
    const id = newId();
    await test.getWorkItem(token, id);
    await test.listDocuments(token, id);
    const faulted = test.emulator.requests().filter((entry) => entry.fault !== undefined);
    expect(faulted.map((entry) => [entry.endpoint, entry.status, entry.fault])).toEqual([
      ['getWorkItem', 503, { kind: 'error', status: 503, applied: false }],
      ['listDocuments', 429, { kind: 'throttle', status: 429, applied: false }],
    ]);
    const injected = (await http('GET', test.control('/faults/injected'))).json<Array<{ seq: number }>>();
    expect(injected.map((fault) => fault.seq)).toEqual(faulted.map((entry) => entry.seq));
  });

  it('shows the remaining script and rules, and rejects invalid configurations with every problem', async () => {
    const { test } = await started();
    const endpoint: EndpointName = 'saveSession';
    const put = await http('PUT', test.control('/faults'), {
      body: { seed: 5, script: [{ endpoint, fault: 'error', times: 3 }] },
    });
    expect(put.json()).toEqual({ seed: 5, rules: [], script: [{ endpoint, fault: 'error', times: 3 }] });
    expect((await http('GET', test.control('/faults'))).json()).toMatchObject({ seed: 5 });

    const invalid = await http('PUT', test.control('/faults'), {
      body: {
        rules: [
          { endpoint: 'nope', errorRate: 2 },
          { endpoint: '*', errorRate: 0.6, throttleRate: 0.6 },
        ],
        x: 1,
      },
    });
    expect(invalid.status).toBe(400);
    const message = invalid.json<{ message: string }>().message;
    for (const part of ['rules.0.endpoint', 'rules.0.errorRate', 'rules.1', 'exceed 1', '"x"']) {
      expect(message).toContain(part);
    }
    expect(() => test.emulator.setFaults({ script: [{ endpoint, fault: 'explode' as never }] })).toThrow(
      /script\.0\.fault/,
    );
  });
});
