import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { checkAnswerXml, DEFAULT_MAX_ANSWER_XML_BYTES } from '../advance/answer-xml';
import type { DocumentStore } from '../documents/document-store';
import type { RepairOutcome } from '../workflows/messages';
import { LifecycleInputError, LifecycleRequestRejectedError } from './errors';
import type { LifecycleClient } from './lifecycle-client';

/** The file name corrected answers are stored under, beside the version's documents. */
export const CORRECTED_ANSWERS_FILE_NAME = 'corrected-answers.xml';

export interface CorrectedAnswersRepair {
  /** Who repairs, for the record. */
  by?: string;
  /** Why, for the record. */
  note?: string;
  /** The answer XML size limit, the Advance client's `maxAnswerXmlBytes`. @default 1 MiB */
  maxBytes?: number;
}

/** Corrected answer XML checked as all answer XML is; `LifecycleInputError` with the problem. */
export function checkCorrectedAnswers(answerXml: string, maxBytes = DEFAULT_MAX_ANSWER_XML_BYTES): void {
  try {
    checkAnswerXml(answerXml, { maxBytes, context: { operation: 'replaceAnswerSet' } });
  } catch (error) {
    throw new LifecycleInputError([`corrected answers: ${(error as Error).message}`], 'repair request');
  }
}

/**
 * v2.0: an operator's corrected answers for a lifecycle in needs-attention. The XML is checked as
 * every answer XML is (no DTD, an `AnswerSet`, the size limit), put in the document store under the
 * lifecycle's work item and version, and the `repair` update carries only its reference and
 * SHA-256: the lifecycle puts it as the version's answer set, then retries. The answers never
 * enter the lifecycle's history.
 */
export async function repairWithCorrectedAnswers(
  lifecycles: Pick<LifecycleClient, 'status' | 'repair'>,
  store: DocumentStore,
  lifecycleId: string,
  answerXml: string,
  { by, note, maxBytes = DEFAULT_MAX_ANSWER_XML_BYTES }: CorrectedAnswersRepair = {},
): Promise<RepairOutcome & { reference: string; sha256: string }> {
  checkCorrectedAnswers(answerXml, maxBytes);
  const status = await lifecycles.status(lifecycleId, { withDeliveries: false });
  const versionId = status.activeSession?.versionId;
  if (status.stage !== 'needs-attention' || versionId === undefined) {
    // Nothing is stored for a lifecycle that could not take the repair.
    throw new LifecycleRequestRejectedError(
      `repair refused: ${
        status.stage === 'needs-attention'
          ? 'corrected answers need a session in Advance; the lifecycle has none'
          : `the lifecycle does not need attention (it is ${status.stage})`
      }`,
    );
  }
  const bytes = Buffer.from(answerXml, 'utf8');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  // Named by content: a repeat with the same answers writes the same place.
  const stored = await store.put(
    {
      workItemId: status.workItemId,
      versionId,
      documentId: `corrected-answers-${sha256.slice(0, 16)}`,
      fileName: CORRECTED_ANSWERS_FILE_NAME,
    },
    Readable.from([bytes]),
    { contentType: 'application/xml', expectedSha256: sha256 },
  );
  const outcome = await lifecycles.repair(lifecycleId, {
    action: 'retry',
    ...(by !== undefined && { by }),
    ...(note !== undefined && { note }),
    answersRef: { reference: stored.reference, sha256 },
  });
  return { ...outcome, reference: stored.reference, sha256 };
}
