import { harnessForFile, lifecycleInput } from '../support/lifecycle-harness';
import { ENDPOINTS, PROTOCOL } from '../support/protocol';

/** The writes of a batch session: begin + complete (v1.1) or one CreateAndAssemble (v2.0). */
const BATCH_WRITES =
  PROTOCOL === 'v2.0' ? (['createAndAssemble'] as const) : (['beginSession', 'completeSession'] as const);

const h = harnessForFile();

beforeEach(() => h.emulator.reset());

const APPLY_THEN_FAIL = ['apply-then-error', 'apply-then-reset'] as const;

test.each(
  // Every write of a batch lifecycle: create, then begin + complete (v1.1) or CreateAndAssemble (v2.0).
  ['createWorkItem' as const, ...BATCH_WRITES].flatMap((endpoint) =>
    APPLY_THEN_FAIL.map((fault) => [endpoint, fault] as const),
  ),
)('%s %s: no duplicates, the lifecycle completes', async (endpoint, fault) => {
  h.emulator.setFaults({ script: [{ endpoint, fault }] });
  const started = await h.lifecycles.start(lifecycleInput({ mode: 'batch' }));
  const result = await h.lifecycles.result(started.lifecycleId);
  expect(result.outcome).toBe('completed');
  expect(h.emulator.injectedFaults()).toEqual([expect.objectContaining({ endpoint, kind: fault })]);
  const items = h.emulator.state.workItems;
  expect(items).toHaveLength(1);
  expect(items[0]!.versions).toHaveLength(1);
  expect(items[0]!.versions[0]).toMatchObject({
    versionId: result.sessions[0]!.versionId,
    status: 'Completed',
  });
  // The retry met the applied change and settled it by reading state, never by forceCreate.
  // (reset() also revoked the worker's token: a 401 and a renewal may come first.)
  const calls = h.emulator.requests().filter((r) => r.endpoint === endpoint && r.status !== 401);
  expect(calls).toHaveLength(2);
});

test("a 429 storm is ridden out at the server's pace (Retry-After, not backoff)", async () => {
  const retryAfterSeconds = 3;
  h.emulator.setFaults({
    script: [{ endpoint: BATCH_WRITES[0], fault: 'throttle', retryAfterSeconds, times: 3 }],
  });
  const started = await h.lifecycles.start(lifecycleInput({ mode: 'batch', storeDocuments: false }));
  expect((await h.lifecycles.result(started.lifecycleId)).outcome).toBe('completed');
  const begins = h.emulator.requests().filter((r) => r.endpoint === BATCH_WRITES[0]);
  expect(begins.map((r) => r.status)).toEqual([429, 429, 429, 200]);
  // Backoff alone would retry after 1 s and 2 s; the server asked for 3 s each time.
  const gaps = begins.slice(1).map((r, i) => Date.parse(r.at) - Date.parse(begins[i]!.at));
  for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(retryAfterSeconds * 1000 - 100);
}, 60_000);

test('transient 5xx and resets on every step are retried until the lifecycle completes', async () => {
  h.emulator.setFaults({
    script: [
      { endpoint: 'login', fault: 'error', status: 503 },
      { endpoint: 'createWorkItem', fault: 'error', status: 500 },
      ...BATCH_WRITES.map((endpoint) => ({ endpoint, fault: 'error' as const, status: 502 })),
      { endpoint: ENDPOINTS.listDocuments, fault: 'reset' },
      { endpoint: ENDPOINTS.downloadDocument, fault: 'error', status: 503 },
    ],
  });
  const started = await h.lifecycles.start(lifecycleInput({ mode: 'batch' }));
  const result = await h.lifecycles.result(started.lifecycleId);
  expect(result.outcome).toBe('completed');
  expect(result.sessions[0]!.documents.every((d) => d.reference !== undefined)).toBe(true);
  expect(h.emulator.injectedFaults()).toHaveLength(4 + BATCH_WRITES.length);
  expect(h.emulator.state.workItems).toHaveLength(1);
}, 60_000);

test.each(
  PROTOCOL === 'v2.0'
    ? ([
        [400, 'createWorkItem', /creating-work-item.*400/],
        // A 404 would mean "no CreateAndAssemble here" (the client falls back): 400 is the permanent one.
        [400, 'createAndAssemble', /completing-session.*400/],
      ] as const)
    : ([
        [400, 'beginSession', /beginning-session.*400/],
        [404, 'completeSession', /completing-session.*404/],
      ] as const),
)('a permanent %d fails the lifecycle and names the cause', async (status, endpoint, message) => {
  h.emulator.setFaults({ script: [{ endpoint, fault: 'error', status }] });
  const started = await h.lifecycles.start(lifecycleInput({ mode: 'batch' }));
  const error = await h.lifecycles.result(started.lifecycleId).catch((e: Error) => e);
  expect(error).toMatchObject({ code: 'lifecycle-failed' });
  expect((error as Error).message).toMatch(message);
  const lifecycleStatus = await h.lifecycles.status(started.lifecycleId);
  expect(lifecycleStatus.stage).toBe('failed');
  expect(lifecycleStatus.lastError?.message).toContain(String(status));
});
