import { randomUUID } from 'node:crypto';
import { eventually, lifecycleInput } from '../support/lifecycle-harness';
import { lifecycleTestbed } from '../support/testbed';

/**
 * A server of our own that suggests continue-as-new after 40 events (instead of 4,096), so that
 * lifecycles hand their whole state to a new run within a test.
 */

const bed = lifecycleTestbed({ temporal: { suggestContinueAsNewAfter: 40 } });

test('follow-up after follow-up: the lifecycle continues as new and keeps every session', async () => {
  const started = await bed.lifecycles.start(
    lifecycleInput({ mode: 'batch', keepOpenFor: '1h', storeDocuments: false }),
  );
  const versions: string[] = [];
  for (let i = 0; i < 6; i += 1) {
    versions.push((await bed.lifecycles.beginFollowUp(started.lifecycleId, {})).versionId);
  }
  await bed.atStage(started.lifecycleId, 'idle', {
    until: (status) => status.completedSessions.length === 7,
  });
  await bed.lifecycles.finish(started.lifecycleId);
  const result = await bed.lifecycles.result(started.lifecycleId);
  expect(result.sessions).toHaveLength(7);
  expect(result.sessions.slice(1).map((s) => s.versionId)).toEqual(versions);
  const status = await bed.lifecycles.status(started.lifecycleId);
  expect(status.continuedAsNew).toBeGreaterThan(0);
  const description = await bed.env.client.workflow.getHandle(started.lifecycleId).describe();
  expect(description.runId).not.toBe(started.runId);
  // One work item, seven completed versions: nothing repeated across runs.
  const item = bed.emulator.workItem(result.workItemId)!;
  expect(item.versions.map((v) => v.status)).toEqual(Array(7).fill('Completed'));
}, 60_000);

test('a flood of bad signals during an interview wait: continue-as-new keeps the waiting session', async () => {
  const started = await bed.start();
  const waiting = await bed.atStage(started.lifecycleId, 'waiting-for-interview');
  for (let i = 0; i < 40; i += 1) {
    await bed.lifecycles.interviewCompleted(started.lifecycleId, randomUUID());
  }
  const continued = await eventually(async () => {
    const status = await bed.lifecycles.status(started.lifecycleId);
    return status.continuedAsNew > 0 ? status : undefined;
  });
  expect(continued.activeSession).toMatchObject({
    versionId: waiting.activeSession!.versionId,
    waitingSince: waiting.activeSession!.waitingSince,
  });
  expect(continued.rejectedSignals.length).toBeGreaterThan(0);
  await bed.lifecycles.interviewCompleted(started.lifecycleId, waiting.activeSession!.versionId);
  const result = await bed.lifecycles.result(started.lifecycleId);
  expect(result.sessions.map((s) => s.versionId)).toEqual([waiting.activeSession!.versionId]);
  expect(bed.emulator.workItem(result.workItemId)!.versions).toHaveLength(1);
}, 60_000);
