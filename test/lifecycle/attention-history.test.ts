import type { History } from '@temporalio/common/lib/proto-utils';
import { ATTENTION_RUN_EVENTS } from '../../src/workflows/lifecycle-attention';
import { lifecycleTestbed } from '../support/testbed';

/**
 * A lifecycle left in needs-attention for a month (time-skipping server): its retries back off,
 * and its wait continues as new before a run's history grows long, so no run comes near
 * Temporal's limits; repaired after the month, the lifecycle completes.
 */

const bed = lifecycleTestbed({ temporal: 'time-skipping' });

/** Every run of a lifecycle, first to last, with its history's length. */
async function runs(id: string, firstRunId: string): Promise<Array<{ runId: string; events: number }>> {
  const found: Array<{ runId: string; events: number }> = [];
  for (let runId: string | undefined = firstRunId; runId !== undefined;) {
    const history: History = await bed.env.client.workflow.getHandle(id, runId).fetchHistory();
    const events = history.events ?? [];
    found.push({ runId, events: events.length });
    const last = events[events.length - 1];
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return found;
}

test('30 days in needs-attention after a refused login: every run under 2,000 events; repaired, it completes', async () => {
  // The principal's password changes in Advance; the worker still has the old one.
  bed.emulator.setPrincipalPassword('rotated-secret');
  const started = await bed.start({ mode: 'batch', attentionRetryEvery: '1m' });
  await bed.atStage(started.lifecycleId, 'needs-attention');
  await bed.env.sleep('30 days');
  const status = await bed.lifecycles.status(started.lifecycleId);
  expect(status.stage).toBe('needs-attention');
  expect(status.attention).toMatchObject({ reason: 'credentials-refused', call: 'acquireToken' });
  // Backed off: 1m, 2m, … up to 6h — about 4 a day at the ceiling, not 1,440.
  expect(status.attention!.retries).toBeGreaterThan(100);
  expect(status.attention!.retries).toBeLessThan(140);

  // 127-odd retries, but the worker process tried the refused login at most once a real minute
  // (its login breaker): consecutive logins in the emulator's request log are 60 s apart or more.
  const logins = bed.emulator
    .requests()
    .filter((r) => r.endpoint === 'login')
    .map((r) => Date.parse(r.at));
  expect(logins.length).toBeGreaterThanOrEqual(1);
  for (let i = 1; i < logins.length; i += 1)
    expect(logins[i]! - logins[i - 1]!).toBeGreaterThanOrEqual(60_000);

  const all = await runs(started.lifecycleId, started.runId!);
  expect(all.length).toBeGreaterThan(1);
  for (const run of all) expect(run.events).toBeLessThan(2000);
  // Each run but the last ended by continuing as new near the threshold, not by the server's limit.
  for (const run of all.slice(0, -1)) expect(run.events).toBeGreaterThanOrEqual(ATTENTION_RUN_EVENTS);

  // The password is fixed in Advance; an operator retries: the continued run picks up the step.
  bed.emulator.setPrincipalPassword(bed.emulator.credentials.principalPassword);
  await expect(
    bed.lifecycles.repair(started.lifecycleId, { action: 'retry', by: 'ops' }),
  ).resolves.toMatchObject({
    action: 'retry',
  });
  const result = await bed.lifecycles.result(started.lifecycleId);
  expect(result.outcome).toBe('completed');
  expect(bed.emulator.state.workItems).toHaveLength(1);
  console.log(
    `30 days in needs-attention: ${status.attention!.retries} automatic retries in ${all.length} runs of ` +
      `${all.map((r) => r.events).join(', ')} events; ${logins.length} login request(s) to Advance`,
  );
}, 600_000);
