import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/activity';
import type { AdvanceClient, AdvanceDocument } from '../advance';
import { checkAnswerXml } from '../advance/answer-xml';
import { safeSegment } from '../documents/document-layout';
import { DocumentStoreError, type DocumentStore, type StoredDocument } from '../documents/document-store';
import type { LifecycleDocument } from '../workflows/lifecycle-status';
import { FailureType } from '../workflows/failure-types';
import type { AdvanceClients, OnTenancy } from './advance-clients';
import type { VersionArgs } from './advance-activities';
import { runWithHeartbeats } from './heartbeat';

/** A session's documents: listed, or streamed from Advance into the document store. */

export type DocumentsArgs = VersionArgs;

export interface DocumentActivityDependencies {
  clients: AdvanceClients;
  documentStore: DocumentStore;
  /** Told of every document streamed into the store (metrics). @default none */
  onDocumentStored?: (document: StoredDocument) => void;
}

export function documentActivities(deps: DocumentActivityDependencies) {
  const client = (args: OnTenancy, signal: AbortSignal) => deps.clients.forStep(args, signal);
  return {
    async listDocuments(args: DocumentsArgs): Promise<LifecycleDocument[]> {
      return runWithHeartbeats(async (signal) => {
        const advance = await client(args, signal);
        const listed = await advance.listDocuments(args.workItemId, { signal, versionId: args.versionId });
        return documentsOf(args.versionId, listed).map(describeDocument);
      });
    },

    /**
     * v2.0: reads the version's answer set from Advance and stores it beside its documents, as a
     * document of kind `answers`. The answers go from Advance to the store inside this activity:
     * only the reference, size and checksum enter history.
     */
    async storeAnswerSet(args: DocumentsArgs): Promise<LifecycleDocument> {
      return runWithHeartbeats(async (signal) => {
        const advance = await client(args, signal);
        const xml = await advance.answerSets.read(args.workItemId, { signal });
        const saved = await deps.documentStore.put(
          { ...answerSetKey(args), workItemId: args.workItemId, versionId: args.versionId },
          Readable.from([Buffer.from(xml, 'utf8')]),
          { contentType: ANSWER_SET_CONTENT_TYPE },
        );
        deps.onDocumentStored?.(saved);
        return {
          documentId: answerSetKey(args).documentId,
          name: 'Answer set',
          fileName: ANSWER_SET_FILE_NAME,
          contentType: ANSWER_SET_CONTENT_TYPE,
          size: saved.size,
          sha256: saved.sha256,
          reference: saved.reference,
          kind: 'answers',
        };
      });
    },

    /**
     * v2.0, an operator's repair with corrected answers: reads them from the document store, where
     * the operator's command put them under this version, checks them and puts them as the work
     * item's answer set. A repeat puts the same content again. Only the reference and checksum
     * travel in history.
     */
    async correctAnswerSet(args: CorrectAnswerSetArgs): Promise<void> {
      return runWithHeartbeats(async (signal) => {
        const xml = await readCorrectedAnswers(deps.documentStore, args);
        const advance = await client(args, signal);
        await advance.answerSets.replace(args.workItemId, xml, { signal });
      });
    },

    /** Lists the session's documents and streams each into the document store. */
    async storeDocuments(args: DocumentsArgs): Promise<LifecycleDocument[]> {
      return runWithHeartbeats(async (signal) =>
        storeSessionDocuments(await client(args, signal), deps, args, signal),
      );
    },
  };
}

export interface CorrectAnswerSetArgs extends DocumentsArgs {
  /** Where the corrected answer XML is in the document store. */
  reference: string;
  /** Its SHA-256 (hex), as the operator's command computed it. */
  sha256: string;
}

/**
 * Corrected answers are read whole (an answer set is small); past this the reference cannot be an
 * answer set at all. The configured answer XML limit is applied on the way to Advance.
 */
const MAX_CORRECTED_ANSWERS_BYTES = 16 * 1024 * 1024;

/**
 * The corrected answers a reference points at, refused (non-retryable) when the reference lies
 * outside this version's place in the store (another lifecycle's document), is too large, or does
 * not hold the bytes the checksum names.
 */
export async function readCorrectedAnswers(
  store: DocumentStore,
  args: CorrectAnswerSetArgs,
): Promise<string> {
  const refuse = (why: string) =>
    ApplicationFailure.nonRetryable(
      `corrected answers ${args.reference}: ${why}`,
      FailureType.CorrectedAnswersRefused,
    );
  const [workItem, version] = args.reference.split('/').slice(-3, -1);
  if (workItem !== safeSegment(args.workItemId) || version !== safeSegment(args.versionId))
    throw refuse(`not stored under work item ${args.workItemId}, version ${args.versionId}`);
  let content: Awaited<ReturnType<DocumentStore['get']>>;
  try {
    content = await store.get(args.reference);
  } catch (error) {
    // Nothing there, or not this store's: a retry cannot help. The store's own faults are retried.
    if (
      error instanceof DocumentStoreError &&
      (error.code === 'not-found' || error.code === 'foreign-reference')
    )
      throw refuse(error.message);
    throw error;
  }
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of content.body) {
    bytes += (chunk as Buffer).length;
    if (bytes > MAX_CORRECTED_ANSWERS_BYTES) {
      content.body.destroy();
      throw refuse(`more than ${MAX_CORRECTED_ANSWERS_BYTES} bytes`);
    }
    hash.update(chunk as Buffer);
    chunks.push(chunk as Buffer);
  }
  if (hash.digest('hex') !== args.sha256) throw refuse(`its SHA-256 is not ${args.sha256}`);
  const xml = Buffer.concat(chunks).toString('utf8');
  try {
    checkAnswerXml(xml, {
      maxBytes: MAX_CORRECTED_ANSWERS_BYTES,
      context: { operation: 'replaceAnswerSet', workItemId: args.workItemId },
    });
  } catch (error) {
    throw refuse((error as Error).message);
  }
  return xml;
}

const ANSWER_SET_FILE_NAME = 'answers.xml';
const ANSWER_SET_CONTENT_TYPE = 'application/xml';

/**
 * The answer set's place in the store and in the lifecycle's documents: one per version, named so
 * that it cannot meet an Advance document id (a GUID), and the same on every retry.
 */
function answerSetKey(args: DocumentsArgs): { documentId: string; fileName: string } {
  return { documentId: `answers-${args.versionId}`, fileName: ANSWER_SET_FILE_NAME };
}

/**
 * Lists a session's documents and streams each from Advance into the store: only references,
 * sizes and checksums enter history. A checksum that differs from Advance's listing stores nothing
 * and is retried (a truncated or altered transfer).
 */
async function storeSessionDocuments(
  advance: AdvanceClient,
  { documentStore: store, onDocumentStored }: DocumentActivityDependencies,
  args: DocumentsArgs,
  signal: AbortSignal,
): Promise<LifecycleDocument[]> {
  const documents = documentsOf(
    args.versionId,
    await advance.listDocuments(args.workItemId, { signal, versionId: args.versionId }),
  );
  const stored: LifecycleDocument[] = [];
  for (const document of documents) {
    const download = await advance.downloadDocument(args.workItemId, document.id, {
      signal,
      versionId: args.versionId,
    });
    // Until the store reads it (its pipeline reports errors), an abort of the body (the activity
    // was cancelled) must not surface as an unhandled 'error' that ends the worker.
    download.body.once('error', () => undefined);
    const fileName = download.fileName ?? document.fileName ?? document.name;
    const saved = await store
      .put(
        { workItemId: args.workItemId, versionId: args.versionId, documentId: document.id, fileName },
        download.body,
        { contentType: download.contentType, expectedSha256: document.sha256 },
      )
      .catch((error: unknown) => {
        if (error instanceof DocumentStoreError && error.code === 'checksum-mismatch') {
          // A truncated or altered transfer (nothing was stored): retrying the download can help.
          throw ApplicationFailure.retryable(
            `document ${document.id} of work item ${args.workItemId}: ${error.message}`,
            FailureType.DocumentChecksumMismatch,
          );
        }
        throw error;
      });
    onDocumentStored?.(saved);
    stored.push({
      ...describeDocument(document),
      fileName,
      contentType: download.contentType,
      size: saved.size,
      sha256: saved.sha256,
      reference: saved.reference,
    });
  }
  return stored;
}

/**
 * Advance lists the documents of the latest completed session. When they carry a version id that
 * is not ours, our completion is not visible yet: a retry will see it.
 */
function documentsOf(versionId: string, documents: AdvanceDocument[]): AdvanceDocument[] {
  const foreign = documents.find((d) => d.versionId !== undefined && d.versionId !== versionId);
  if (foreign !== undefined) {
    throw ApplicationFailure.retryable(
      `the listed documents belong to version ${foreign.versionId}, not ${versionId}`,
      FailureType.DocumentsNotYetListed,
    );
  }
  return documents;
}

function describeDocument(document: AdvanceDocument): LifecycleDocument {
  return {
    documentId: document.id,
    name: document.name,
    fileName: document.fileName,
    contentType: document.contentType,
    size: document.size,
    sha256: document.sha256,
  };
}
