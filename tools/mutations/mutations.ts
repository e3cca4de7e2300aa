/**
 * Each mutation breaks one guarantee with the smallest edit that breaks it, and names the test that
 * must then fail. `npm run mutations` applies each to a scratch copy and runs that test: a test that
 * stays green does not prove what it claims.
 */

export type JestProject = 'unit' | 'integration' | 'integration-v2';

export interface TextEdit {
  /** Path from the repository's root. */
  file: string;
  /** Must occur exactly once in the file. */
  find: string;
  replace: string;
}

export interface Mutation {
  /** The guarantee it breaks, as a name. */
  name: string;
  /** What the edit does, in a few words. */
  breaks: string;
  edits: TextEdit[];
  /** The test that must turn red: a file, the jest project it runs in, and a test name pattern. */
  test: { file: string; project: JestProject; name?: string };
}

export const MUTATIONS: Mutation[] = [
  {
    name: 'create-retried-under-a-new-id',
    breaks: 'a create whose answer was lost is repeated under a new GUID: a second work item',
    edits: [
      {
        file: 'src/advance/retry-safe.ts',
        find: 'workItem = await client.getWorkItem(item.id, options);',
        replace: 'workItem = await client.createWorkItem({ ...item, id: crypto.randomUUID() }, options);',
      },
    ],
    test: {
      file: 'test/lifecycle/faults.test.ts',
      project: 'integration',
      name: 'createWorkItem apply-then-error',
    },
  },
  {
    name: 'fault-meets-a-revoked-token',
    breaks: "the test's set-up resets the emulator before each test, revoking the worker's token",
    edits: [
      {
        file: 'test/lifecycle/faults.test.ts',
        find: 'const h = harnessForFile();\n',
        replace: 'const h = harnessForFile();\nbeforeEach(() => h.emulator.reset());\n',
      },
    ],
    // Both: the second meets the token the first left in the worker's cache, revoked by the reset.
    test: {
      file: 'test/lifecycle/faults.test.ts',
      project: 'integration',
      name: 'createWorkItem apply-then',
    },
  },
  {
    name: 'no-stray-completion-quarantine',
    breaks: 'after a retried v1.1 CompleteSession the next session begins at once',
    edits: [
      {
        // Not the patch call itself: the test-only build without the guard is anchored on it.
        file: 'src/workflows/session-completion.ts',
        find: 'attempt > 1 &&',
        replace: 'attempt > 100 &&',
      },
    ],
    test: {
      file: 'test/lifecycle/time-skipping.test.ts',
      project: 'integration',
      name: 'stray CompleteSession after a retried one',
    },
  },
  {
    name: 'completion-inside-the-closing-task',
    breaks: 'a v2.0 completion after the interview runs as a local activity again',
    edits: [
      {
        file: 'src/workflows/session-completion.ts',
        find: 'if (!wasLocal || patched(PATCH_REGULAR_COMPLETE)) return regular();',
        replace: 'if (!wasLocal) return regular();',
      },
    ],
    test: { file: 'test/lifecycle/duplicate-interview-signal.test.ts', project: 'integration-v2' },
  },
  {
    name: 'download-checksum-unchecked',
    breaks: "a download is stored without checking it against the list's SHA-256",
    edits: [
      {
        file: 'src/activities/document-activities.ts',
        find: '{ contentType: download.contentType, expectedSha256: document.sha256 }',
        replace: '{ contentType: download.contentType }',
      },
    ],
    test: { file: 'test/lifecycle/faults.test.ts', project: 'integration', name: 'corrupted download' },
  },
  {
    name: 'stored-bytes-not-advance-bytes',
    breaks: "every document is stored from the first document's download, unchecked",
    edits: [
      {
        file: 'src/activities/document-activities.ts',
        find: '{ contentType: download.contentType, expectedSha256: document.sha256 }',
        replace: '{ contentType: download.contentType }',
      },
      {
        file: 'src/activities/document-activities.ts',
        find: 'advance.downloadDocument(args.workItemId, document.id, {',
        replace: 'advance.downloadDocument(args.workItemId, documents[0]!.id, {',
      },
    ],
    test: {
      file: 'test/lifecycle/lifecycle.test.ts',
      project: 'integration',
      name: 'interview lifecycle end to end',
    },
  },
  {
    name: 'report-counts-driver-work-items',
    breaks: "the chaos report counts work items from the driver's lifecycles",
    edits: [
      {
        file: 'tools/chaos/report.ts',
        find: 'workItems: state.workItems.length,',
        replace: 'workItems: outcomes.length,',
      },
    ],
    test: { file: 'test/chaos/report-counts.unit.test.ts', project: 'unit' },
  },
  {
    name: 'report-counts-requested-versions',
    breaks: 'the chaos report counts completed versions as the sessions the driver requested',
    edits: [
      {
        file: 'tools/chaos/report.ts',
        find: "const completedVersions = versions.filter((v) => v.status === 'Completed').length;",
        replace: 'const completedVersions = outcomes.reduce((sum, o) => sum + requestedSessions(o.plan), 0);',
      },
    ],
    test: { file: 'test/chaos/report-counts.unit.test.ts', project: 'unit' },
  },
  {
    name: 'document-routes-unscoped',
    breaks: "the document routes skip the check of the lifecycle's tenancy",
    edits: [
      {
        file: 'src/gateway/auth.ts',
        find: "if (typeof id !== 'string' || coversEverything(key)) return;",
        replace: "if (typeof id !== 'string' || coversEverything(key) || permission === 'documents') return;",
      },
    ],
    test: { file: 'test/gateway/scopes.test.ts', project: 'integration', name: 'two tenancies' },
  },
  {
    name: 'repair-route-ignores-the-action',
    breaks: "the gateway's repair route abandons whatever the operator asked",
    edits: [
      {
        file: 'src/gateway/routes/repair.ts',
        find: 'await lifecycles.repair(id, request.body);',
        replace: "await lifecycles.repair(id, { ...request.body, action: 'abandon' });",
      },
    ],
    test: { file: 'test/gateway/repair-route.test.ts', project: 'integration', name: 'repaired over HTTP' },
  },
  {
    name: 'token-renewed-only-after-a-401',
    breaks: 'a cached token is used until Advance refuses it',
    edits: [
      {
        file: 'src/advance/token-cache.ts',
        find: 'return this.now() < token.expiresAt - margin;',
        replace: 'return margin >= 0;',
      },
    ],
    test: { file: 'test/advance/client-emulator.unit.test.ts', project: 'unit', name: 'expires for real' },
  },
  {
    name: 'emulator-token-outlives-its-lifetime',
    breaks: 'the emulator accepts a token half a minute past its lifetime',
    edits: [
      {
        file: 'tools/emulator/token-issuer.ts',
        find: 'if (now >= issued.expiresAtMs)',
        replace: 'if (now >= issued.expiresAtMs + 30_000)',
      },
    ],
    test: { file: 'test/emulator/auth.unit.test.ts', project: 'unit', name: 'really expires' },
  },
  {
    name: 'same-event-handled-twice-at-once',
    breaks: 'the webhook receiver lets a second delivery in while the first is being handled',
    edits: [
      {
        file: 'src/notifications/webhook-receiver.ts',
        find: 'if (inProgress.has(event.id))',
        replace: 'if (inProgress.has(event.id) && event.id === "")',
      },
    ],
    test: {
      file: 'test/notifications/webhook-signature.unit.test.ts',
      project: 'unit',
      name: '503 with Retry-After',
    },
  },
  {
    name: 'worker-logs-plain-text-warnings',
    breaks: 'the worker writes its warnings as text, not as JSON',
    edits: [
      {
        file: 'src/observability/json-logger.ts',
        find: 'return `${JSON.stringify({ time, level: entry.level.toLowerCase(), msg: entry.message, ...fields })}\\n`;',
        replace:
          "return entry.level === 'INFO' ? `${JSON.stringify({ time, level: entry.level.toLowerCase(), msg: entry.message, ...fields })}\\n` : `${entry.level} ${entry.message}\\n`;",
      },
    ],
    test: { file: 'test/worker/observability.test.ts', project: 'integration' },
  },
];
