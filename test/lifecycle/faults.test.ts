import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { recordFrom } from '../support/emulator-record';
import { ENDPOINTS, PROTOCOL } from '../support/protocol';
import { lifecycleTestbed } from '../support/testbed';

/** The writes of a batch session: begin + complete (v1.1) or one CreateAndAssemble (v2.0). */
const BATCH_WRITES =
  PROTOCOL === 'v2.0' ? (['createAndAssemble'] as const) : (['beginSession', 'completeSession'] as const);

const bed = lifecycleTestbed();

// No reset between tests: it would revoke the worker's token, and a scripted fault would then meet
// a 401 and never be applied. Each test reads only what the emulator recorded since it began.

const APPLY_THEN_FAIL = ['apply-then-error', 'apply-then-reset'] as const;

test.each(
  // Every write of a batch lifecycle: create, then begin + complete (v1.1) or CreateAndAssemble (v2.0).
  ['createWorkItem' as const, ...BATCH_WRITES].flatMap((endpoint) =>
    APPLY_THEN_FAIL.map((fault) => [endpoint, fault] as const),
  ),
)(
  '%s %s: applied, retried into a conflict, no duplicates, the lifecycle completes',
  async (endpoint, fault) => {
    const record = recordFrom(bed.emulator);
    bed.emulator.setFaults({ script: [{ endpoint, fault }] });
    const started = await bed.start({ mode: 'batch' });
    const result = await bed.lifecycles.result(started.lifecycleId);
    expect(result.outcome).toBe('completed');
    // The fault hit the change itself (a valid token, no 401 before it) and the change was made.
    expect(record.faults()).toEqual([expect.objectContaining({ endpoint, kind: fault, applied: true })]);
    // The retry met the applied change (409) and settled it by reading state, never by forceCreate.
    expect(record.statuses(endpoint)).toEqual([fault === 'apply-then-error' ? 502 : 'reset', 409]);
    const items = record.workItems();
    expect(items).toHaveLength(1);
    expect(items[0]!.versions).toHaveLength(1);
    expect(items[0]!.versions[0]).toMatchObject({
      versionId: result.sessions[0]!.versionId,
      status: 'Completed',
    });
  },
);

test("a 429 storm is ridden out at the server's pace (Retry-After, not backoff)", async () => {
  const retryAfterSeconds = 3;
  const record = recordFrom(bed.emulator);
  bed.emulator.setFaults({
    script: [{ endpoint: BATCH_WRITES[0], fault: 'throttle', retryAfterSeconds, times: 3 }],
  });
  const started = await bed.start({ mode: 'batch', storeDocuments: false });
  expect((await bed.lifecycles.result(started.lifecycleId)).outcome).toBe('completed');
  const begins = record.requests(BATCH_WRITES[0]);
  expect(begins.map((r) => r.status)).toEqual([429, 429, 429, 200]);
  // Backoff alone would retry after 1 s and 2 s; the server asked for 3 s each time.
  const gaps = begins.slice(1).map((r, i) => Date.parse(r.at) - Date.parse(begins[i]!.at));
  for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(retryAfterSeconds * 1000 - 100);
}, 60_000);

test('transient 5xx and resets on every step are retried until the lifecycle completes', async () => {
  const record = recordFrom(bed.emulator);
  const script = [
    { endpoint: 'login', fault: 'error', status: 503 },
    { endpoint: 'createWorkItem', fault: 'error', status: 500 },
    ...BATCH_WRITES.map((endpoint) => ({ endpoint, fault: 'error' as const, status: 502 })),
    { endpoint: ENDPOINTS.listDocuments, fault: 'reset' },
    { endpoint: ENDPOINTS.downloadDocument, fault: 'error', status: 503 },
  ] as const;
  bed.emulator.setFaults({ script: [...script] });
  // The worker's token is refused from now on, so its next call logs in and meets the login fault.
  bed.emulator.expireTokens();
  const started = await bed.start({ mode: 'batch' });
  const result = await bed.lifecycles.result(started.lifecycleId);
  expect(result.outcome).toBe('completed');
  expect(result.sessions[0]!.documents.every((d) => d.reference !== undefined)).toBe(true);
  expect(bed.emulator.faults().script).toEqual([]);
  for (const { endpoint, fault, ...rest } of script) {
    const failedWith = 'status' in rest ? rest.status : 'reset';
    const statuses = record.statuses(endpoint);
    // Each step met its fault, and a retry of the same step then succeeded.
    expect({ endpoint, fault, met: statuses.includes(failedWith), last: statuses.at(-1) }).toEqual({
      endpoint,
      fault,
      met: true,
      last: 200,
    });
  }
  expect(record.faults()).toHaveLength(script.length);
  expect(record.workItems()).toHaveLength(1);
}, 60_000);

test("a corrupted download is retried, never stored: the store holds Advance's own bytes", async () => {
  const record = recordFrom(bed.emulator);
  bed.emulator.setFaults({ script: [{ endpoint: ENDPOINTS.downloadDocument, fault: 'corrupt' }] });
  const started = await bed.start({ mode: 'batch' });
  const result = await bed.lifecycles.result(started.lifecycleId);
  expect(result.outcome).toBe('completed');
  const [fault] = record.faults();
  expect(fault).toMatchObject({ endpoint: ENDPOINTS.downloadDocument, kind: 'corrupt', applied: true });

  // The altered bytes failed the listed checksum; the collection was repeated from the list.
  const { documents, versionId } = result.sessions[0]!;
  const downloads = record.requests(ENDPOINTS.downloadDocument);
  expect(downloads).toHaveLength(documents.length + 1);
  expect(downloads[0]!.seq).toBe(fault!.seq);
  expect(record.statuses(ENDPOINTS.listDocuments)).toEqual([200, 200]);

  // What the store holds is, byte for byte, what Advance serves; nothing else was left there.
  const folder = path.join(bed.documentDir, result.workItemId, versionId);
  const stored = (await readdir(folder)).filter((name) => !name.startsWith('.'));
  expect(stored.sort()).toEqual(documents.map((d) => `${d.documentId}-${d.fileName}`).sort());
  for (const document of documents) {
    const advanceBytes = bed.emulator.documentContent(result.workItemId, document.documentId)!;
    const storedBytes = await readFile(fileURLToPath(document.reference!));
    expect(storedBytes.equals(advanceBytes)).toBe(true);
  }
});

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
  const record = recordFrom(bed.emulator);
  bed.emulator.setFaults({ script: [{ endpoint, fault: 'error', status }] });
  const started = await bed.start({ mode: 'batch' });
  const error = await bed.lifecycles.result(started.lifecycleId).catch((e: Error) => e);
  expect(record.faults()).toEqual([expect.objectContaining({ endpoint, kind: 'error', status })]);
  expect(error).toMatchObject({ code: 'lifecycle-failed' });
  expect((error as Error).message).toMatch(message);
  const lifecycleStatus = await bed.lifecycles.status(started.lifecycleId);
  expect(lifecycleStatus.stage).toBe('failed');
  expect(lifecycleStatus.lastError?.message).toContain(String(status));
});
