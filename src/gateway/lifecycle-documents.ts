import type { LifecycleDocument, LifecycleStatus } from '../client';
import { GatewayError } from './errors';

/** A stored document of a lifecycle, with the session that produced it. */
export interface StoredLifecycleDocument {
  versionId: string;
  document: LifecycleDocument & { reference: string };
}

/**
 * Every stored document of every completed session, oldest session first. Documents listed but
 * not stored (`storeDocuments: false`) have no reference and cannot be downloaded.
 */
export function storedDocuments(status: LifecycleStatus): StoredLifecycleDocument[] {
  return status.completedSessions.flatMap((session) =>
    session.documents
      .filter(
        (document): document is LifecycleDocument & { reference: string } => document.reference !== undefined,
      )
      .map((document) => ({ versionId: session.versionId, document })),
  );
}

/**
 * The stored document `documentId` of lifecycle `id`. Advance's document ids are GUIDs, unique
 * within a work item, but nothing promises that a later session cannot repeat one: a `versionId`
 * picks the session, and without it an id found in two sessions is refused rather than guessed.
 */
export function findStoredDocument(
  id: string,
  status: LifecycleStatus,
  documentId: string,
  versionId: string | undefined,
): StoredLifecycleDocument {
  const wanted = documentId.toLowerCase();
  const found = storedDocuments(status).filter(
    (entry) =>
      entry.document.documentId.toLowerCase() === wanted &&
      (versionId === undefined || entry.versionId.toLowerCase() === versionId.toLowerCase()),
  );
  const [first] = found;
  if (first === undefined) {
    const inSession = versionId === undefined ? '' : ` in session ${versionId}`;
    throw new GatewayError(
      'document-not-found',
      `Lifecycle "${id}" has no stored document "${documentId}"${inSession}`,
    );
  }
  if (found.length > 1) {
    throw new GatewayError(
      'document-ambiguous',
      `Lifecycle "${id}" has document "${documentId}" in sessions ` +
        `${found.map((entry) => entry.versionId).join(', ')}: add ?versionId= to choose one`,
    );
  }
  return first;
}
