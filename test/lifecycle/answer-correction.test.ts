import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { LifecycleRequestRejectedError, repairWithCorrectedAnswers } from '../../src/client';
import { FileSystemDocumentStore } from '../../src/documents/filesystem-store';
import { historyText } from '../support/history-text';
import { PROTOCOL } from '../support/protocol';
import { lifecycleTestbed } from '../support/testbed';

/**
 * An operator corrects the answers of a v2.0 version before retrying a lifecycle in
 * needs-attention: the corrected XML goes into the document store, the repair carries only its
 * reference, the lifecycle puts it as the version's answer set and retries. v1.1 has no answer
 * sets: such a repair is refused.
 */

const bed = lifecycleTestbed();

beforeEach(() => bed.emulator.reset());

const answersNaming = (tenant: string) =>
  `<AnswerSet><Answer name="Tenant"><TextValue>${tenant}</TextValue></Answer>` +
  '<Answer name="Rent"><NumValue>1250</NumValue></Answer></AnswerSet>';

(PROTOCOL === 'v2.0' ? test : test.skip)(
  'v2.0: failed post-processing, answers corrected by reference, rerun in Advance, retry: completed; the answers never in history',
  async () => {
    expect.assertions(13);
    const before = bed.emulator.behaviour();
    bed.emulator.setBehaviour({ postProcessingMs: 1_000, postProcessingOutcome: 'failed' });
    try {
      const { lifecycleId } = await bed.start({ mode: 'batch', attentionRetryEvery: '1h' });
      const attention = await bed.atStage(lifecycleId, 'needs-attention', { timeoutMs: 150_000 });
      expect(attention.attention?.reason).toBe('post-processing-failed');
      const { workItemId } = attention;
      const versionId = attention.activeSession!.versionId;
      const store = new FileSystemDocumentStore(bed.documentDir);

      // A reference outside this version's place in the store is refused; nothing is retried.
      const elsewhere = await store.put(
        { workItemId, versionId: 'another-version', documentId: 'x', fileName: 'a.xml' },
        Readable.from([Buffer.from(answersNaming('Eve'))]),
        { contentType: 'application/xml' },
      );
      await bed.lifecycles.repair(lifecycleId, {
        action: 'retry',
        answersRef: { reference: elsewhere.reference, sha256: elsewhere.sha256 },
      });
      const refused = await bed.atStage(lifecycleId, 'needs-attention', {
        until: (s) =>
          s.repairs?.length === 1 && /corrected answers were not put/.test(s.attention?.message ?? ''),
      });
      expect(refused.attention!.message).toMatch(/not stored under work item .*, version /);

      // The operator's correction: stored, then the repair with its reference. Advance still reads
      // PostProcessingFailed (nobody ran the processing again), so the retry needs attention again.
      const corrected = `Zed ${randomBytes(6).toString('hex')}`;
      const outcome = await repairWithCorrectedAnswers(
        bed.lifecycles,
        store,
        lifecycleId,
        answersNaming(corrected),
        { by: 'ops', note: 'tenant name corrected' },
      );
      expect(outcome).toMatchObject({ action: 'retry', stage: 'completing-session' });
      await bed.atStage(lifecycleId, 'needs-attention', { until: (s) => s.repairs?.length === 2 });
      const version = () => bed.emulator.workItem(workItemId)!.versions[0]!;
      expect(version().answers['Tenant']).toBe(corrected);
      const puts = bed.emulator.requests().filter((r) => r.endpoint === 'putAnswerSet');
      expect(puts.map((r) => r.status)).toEqual([204]);

      // An administrator runs the processing again in Advance; it assembles the corrected answers.
      expect(bed.emulator.rerunPostProcessing(workItemId, versionId)).toBe(true);
      await bed.lifecycles.repair(lifecycleId, { action: 'retry', note: 'post-processing run again' });
      const result = await bed.lifecycles.result(lifecycleId);
      expect(result.outcome).toBe('completed');
      const answersDocument = result.sessions[0]!.documents.find((d) => d.fileName === 'answers.xml');
      expect(answersDocument).toMatchObject({
        name: 'Answers',
        contentType: 'application/xml',
        reference: expect.any(String),
      });
      const stored = await store.get(answersDocument!.reference!);
      const chunks: Buffer[] = [];
      for await (const chunk of stored.body) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString('utf8')).toContain(corrected);
      expect(version().status).toBe('Completed');

      // Only the reference went through history: the input's answers are found, the correction is not.
      const history = historyText(await bed.env.client.workflow.getHandle(lifecycleId).fetchHistory());
      expect(history).toContain('Ann Example');
      expect(history).toContain(outcome.sha256);
      expect(history).not.toContain(corrected);
    } finally {
      bed.emulator.setBehaviour({
        postProcessingMs: before.postProcessingMs,
        postProcessingOutcome: before.postProcessingOutcome,
      });
    }
  },
);

(PROTOCOL === 'v1.1' ? test : test.skip)(
  'v1.1: a repair with corrected answers is refused with a typed error; the lifecycle stays in needs-attention',
  async () => {
    expect.assertions(3);
    const { lifecycleId } = await bed.start({ attentionRetryEvery: '1h' });
    const waiting = await bed.atStage(lifecycleId, 'waiting-for-interview');
    // The principal's password changes in Advance: the completion needs attention.
    bed.emulator.setPrincipalPassword('rotated-secret');
    bed.emulator.expireTokens();
    await bed.lifecycles.interviewCompleted(lifecycleId, waiting.activeSession!.versionId);
    await bed.atStage(lifecycleId, 'needs-attention', { timeoutMs: 150_000 });
    const store = new FileSystemDocumentStore(bed.documentDir);
    const refusal = await repairWithCorrectedAnswers(
      bed.lifecycles,
      store,
      lifecycleId,
      answersNaming('Eve'),
    ).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(LifecycleRequestRejectedError);
    expect((refusal as Error).message).toMatch(/corrected answers need Advance's answer sets \(API v2\.0\)/);
    expect((await bed.lifecycles.status(lifecycleId)).stage).toBe('needs-attention');
    await bed.lifecycles.cancel(lifecycleId);
  },
);
