import {
  LifecycleClientError,
  type CompletedSessionStatus,
  type LifecycleClient,
  type LifecycleDocument,
} from '../client';
import { GatewayError } from './errors';

/** A stored document of a lifecycle, with the session that produced it. */
export interface StoredLifecycleDocument {
  versionId: string;
  document: LifecycleDocument & { reference: string };
}

/**
 * The completed sessions of a lifecycle. An ended one is read from its result, which Temporal
 * answers from history: a status query on a closed workflow would make a worker replay the whole
 * history for every download. A running (or failed, or cancelled) one answers its status query.
 */
export async function completedSessions(
  lifecycles: LifecycleClient,
  id: string,
): Promise<CompletedSessionStatus[]> {
  try {
    return (await lifecycles.result(id, { wait: false })).sessions;
  } catch (error) {
    const code: string | undefined = error instanceof LifecycleClientError ? error.code : undefined;
    if (code !== 'lifecycle-still-running' && code !== 'lifecycle-failed') throw error;
    return (await lifecycles.status(id)).completedSessions;
  }
}

/**
 * Every stored document of every completed session, oldest session first. Documents listed but
 * not stored (`storeDocuments: false`) have no reference and cannot be downloaded.
 */
export function storedDocuments(sessions: CompletedSessionStatus[]): StoredLifecycleDocument[] {
  return sessions.flatMap((session) =>
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
  sessions: CompletedSessionStatus[],
  documentId: string,
  versionId: string | undefined,
): StoredLifecycleDocument {
  const wanted = documentId.toLowerCase();
  const found = storedDocuments(sessions).filter(
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
