import type { LifecycleClient } from '../../src/client';
import type { RunningEmulator } from '../../tools/emulator';
import { endpointsFor } from './emulator-record';
import { ENDPOINTS } from './protocol';

/**
 * A version completed in Advance itself reached the lifecycle as it should: the lifecycle
 * completed with that version's documents stored, and sent no Core finish and no Complete of its
 * own (the emulator's request log). Answers the work item's requests for further checks.
 */
export async function expectCollectedWithoutOurComplete(
  lifecycles: LifecycleClient,
  emulator: RunningEmulator,
  run: { lifecycleId: string; workItemId: string; versionId: string },
): Promise<string[]> {
  const result = await lifecycles.result(run.lifecycleId);
  expect(result.outcome).toBe('completed');
  const session = result.sessions[0]!;
  expect(session.versionId).toBe(run.versionId);
  expect(session.documents.length).toBeGreaterThan(0);
  expect(session.documents.every((d) => d.reference !== undefined)).toBe(true);
  expect(session.warning).toMatch(/completed in Advance/);
  const calls = endpointsFor(emulator, run.workItemId);
  expect(calls).not.toContain(`${ENDPOINTS.complete}:${run.versionId}`);
  expect(calls).not.toContain(`finishInterview:${run.versionId}`);
  expect(calls).toContain(`${ENDPOINTS.listDocuments}:${run.versionId}`);
  return calls;
}
