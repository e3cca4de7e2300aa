import { randomBytes } from 'node:crypto';
import { historyText } from '../support/history-text';
import { PROTOCOL } from '../support/protocol';
import { gatewayTestbed } from '../support/testbed';

/**
 * `POST /v1/assemblies/{id}/repair/answers`: the corrected answer XML as the body, checked at the
 * edge, stored by the gateway in the workers' document store, and only its reference sent to the
 * lifecycle with the retry.
 */

const bed = gatewayTestbed();

(PROTOCOL === 'v2.0' ? test : test.skip)(
  'v2.0: corrected answers posted to the gateway reach the version; the lifecycle completes; the answers never in history',
  async () => {
    expect.assertions(9);
    const { emulator, lifecycles } = bed.h;
    const before = emulator.behaviour();
    emulator.setBehaviour({ postProcessingMs: 1_000, postProcessingOutcome: 'failed' });
    try {
      const { lifecycleId } = await bed.start({ mode: 'batch', attentionRetryEvery: '1h' });
      const attention = await bed.atStage(lifecycleId, 'needs-attention', { timeoutMs: 150_000 });
      expect(attention.attention?.reason).toBe('post-processing-failed');
      const path = `/v1/assemblies/${encodeURIComponent(lifecycleId)}/repair/answers`;
      const xml = (tenant: string) =>
        `<AnswerSet><Answer name="Tenant"><TextValue>${tenant}</TextValue></Answer></AnswerSet>`;

      // Answer XML with a DTD is refused at the edge: nothing stored, nothing sent.
      const withDtd = await bed.call(path, {
        method: 'POST',
        body: `<!DOCTYPE AnswerSet [<!ENTITY x "y">]>${xml('Eve')}`,
        headers: { 'content-type': 'application/xml' },
      });
      expect(withDtd.status).toBe(400);
      expect(withDtd.text).toMatch(/DOCTYPE is not allowed/);

      const corrected = `Zed ${randomBytes(6).toString('hex')}`;
      const repaired = await bed.call(`${path}?note=${encodeURIComponent('tenant corrected')}`, {
        method: 'POST',
        body: xml(corrected),
        headers: { 'content-type': 'application/xml' },
      });
      expect(repaired.status).toBe(200);
      expect(repaired.json).toMatchObject({ id: lifecycleId, action: 'retry' });
      // Still PostProcessingFailed in Advance: the retry needs attention again.
      await bed.atStage(lifecycleId, 'needs-attention', { until: (s) => s.repairs?.length === 1 });
      const version = () => emulator.workItem(attention.workItemId)!.versions[0]!;
      expect(version().answers['Tenant']).toBe(corrected);

      expect(emulator.rerunPostProcessing(attention.workItemId, attention.activeSession!.versionId)).toBe(
        true,
      );
      await lifecycles.repair(lifecycleId, { action: 'retry', note: 'post-processing run again' });
      expect((await lifecycles.result(lifecycleId)).outcome).toBe('completed');
      const history = historyText(await bed.env.client.workflow.getHandle(lifecycleId).fetchHistory());
      expect(history.includes('Ann Example') && !history.includes(corrected)).toBe(true);
    } finally {
      emulator.setBehaviour({
        postProcessingMs: before.postProcessingMs,
        postProcessingOutcome: before.postProcessingOutcome,
      });
    }
  },
);
