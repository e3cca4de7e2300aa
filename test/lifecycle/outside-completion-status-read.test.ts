import { eventually, lifecycleInput } from '../support/lifecycle-harness';
import { expectCollectedWithoutOurComplete } from '../support/completed-in-advance';
import { endpointsFor as endpointsOf } from '../support/emulator-record';
import { ENDPOINTS, PROTOCOL } from '../support/protocol';
import { lifecycleTestbed } from '../support/testbed';

/**
 * A version completed in Advance's own web app (the emulator's control API stands in) while the
 * lifecycle waits at its interview, with no webhook to tell it: on v2.0 the lifecycle's slow
 * status read notices it, collects the documents and sends neither a Core finish nor a Complete of
 * its own. v1.1 has no status to read: its wait makes no such call.
 */

const bed = lifecycleTestbed();

const endpointsFor = (workItemId: string): string[] => endpointsOf(bed.emulator, workItemId);

if (PROTOCOL === 'v2.0') {
  test('v2.0: a version completed in Advance is noticed at the next status read; documents stored, no finish and no Complete of ours', async () => {
    const { lifecycleId } = await bed.lifecycles.start(
      lifecycleInput({ interview: { statusReadEvery: '2s' } }),
    );
    const waiting = await bed.atStage(lifecycleId, 'waiting-for-interview');
    const { workItemId } = waiting;
    const versionId = waiting.activeSession!.versionId;
    // At least one read found the interview still in progress before the version was completed.
    await eventually(
      () => (endpointsFor(workItemId).includes(`getVersionStatus:${versionId}`) ? true : undefined),
      {
        what: 'a status read at the interview',
      },
    );
    expect(bed.emulator.completeInAdvance(workItemId, versionId)).toBe(true);

    await expectCollectedWithoutOurComplete(bed.lifecycles, bed.emulator, {
      lifecycleId,
      workItemId,
      versionId,
    });
  });

  test('v2.0: reads at the interview that find it in progress change nothing: the interview completes as usual', async () => {
    const { lifecycleId } = await bed.lifecycles.start(
      lifecycleInput({ interview: { statusReadEvery: '1s' } }),
    );
    const waiting = await bed.atStage(lifecycleId, 'waiting-for-interview');
    const versionId = waiting.activeSession!.versionId;
    await eventually(
      () =>
        endpointsFor(waiting.workItemId).filter((c) => c === `getVersionStatus:${versionId}`).length >= 2
          ? true
          : undefined,
      { what: 'two status reads at the interview' },
    );
    await bed.lifecycles.interviewCompleted(lifecycleId, versionId);
    const result = await bed.lifecycles.result(lifecycleId);
    expect(result.outcome).toBe('completed');
    expect(result.sessions[0]!.warning).toBeUndefined();
    expect(endpointsFor(waiting.workItemId)).toContain(`${ENDPOINTS.complete}:${versionId}`);
  });
} else {
  test('v1.1: the wait at the interview reads no status, whatever statusReadEvery says', async () => {
    const { lifecycleId } = await bed.lifecycles.start(
      lifecycleInput({ interview: { statusReadEvery: '1s', reminders: ['3s'] } }),
    );
    const waiting = await bed.atStage(lifecycleId, 'waiting-for-interview');
    // The reminder at 3 s proves the wait outlasted several read intervals.
    await eventually(
      async () => ((await bed.lifecycles.status(lifecycleId)).reminders.length > 0 ? true : undefined),
      {
        what: 'the reminder',
      },
    );
    await bed.lifecycles.interviewCompleted(lifecycleId, waiting.activeSession!.versionId);
    expect((await bed.lifecycles.result(lifecycleId)).outcome).toBe('completed');
    expect(endpointsFor(waiting.workItemId).filter((c) => c.startsWith('getVersionStatus'))).toEqual([]);
  });
}
