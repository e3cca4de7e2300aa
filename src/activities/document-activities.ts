import { Readable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/activity';
import type { AdvanceClient, AdvanceDocument } from '../advance';
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

    /** Lists the session's documents and streams each into the document store. */
    async storeDocuments(args: DocumentsArgs): Promise<LifecycleDocument[]> {
      return runWithHeartbeats(async (signal) =>
        storeSessionDocuments(await client(args, signal), deps, args, signal),
      );
    },
  };
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
