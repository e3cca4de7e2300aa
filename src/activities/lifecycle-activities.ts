import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  ensureSessionBegun,
  ensureSessionCompleted,
  ensureSessionSaved,
  ensureWorkItemCreated,
  type AdvanceClient,
  type AdvanceDocument,
  type TokenMetadata,
} from '../advance';
import { DocumentStoreError, type DocumentStore } from '../documents/document-store';
import type { ReminderNotice, ReminderWebhook } from '../notifications/reminder-webhook';
import type { BegunSessionInfo, LifecycleDocument } from '../workflows/definitions';
import { FailureType } from '../workflows/failure-types';
import type { AdvanceClients } from './advance-clients';
import { runWithHeartbeats } from './heartbeat';

/**
 * The lifecycle's activities: thin adapters over the Advance client. Ids are chosen by the
 * workflow, so every retry repeats the same request, and the retry-safe helpers settle a lost
 * response by reading Advance's state. Nothing secret is returned (token metadata only).
 */

export interface LifecycleActivityDependencies {
  clients: AdvanceClients;
  documentStore: DocumentStore;
  /** Absent when no `REMINDER_WEBHOOK_URL` is configured: reminders are then recorded only. */
  reminderWebhook?: ReminderWebhook;
}

export interface OnTenancy {
  tenancy?: string;
}

export interface CreateWorkItemArgs extends OnTenancy {
  workItem: {
    id: string;
    name: string;
    workGroupId: string;
    templatePackageId: string;
    description?: string;
  };
  answerXml?: string;
}

export interface BeginSessionArgs extends OnTenancy {
  workItemId: string;
  versionId: string;
  answerXml?: string;
}

export interface CompleteSessionArgs extends OnTenancy {
  workItemId: string;
  versionId: string;
  runAssembly: boolean;
}

export interface DocumentsArgs extends OnTenancy {
  workItemId: string;
  versionId: string;
}

export interface CompleteSessionResult {
  /** `completed-elsewhere`: this lifecycle's first request found the session already completed. */
  outcome: 'completed' | 'already-completed' | 'completed-elsewhere';
  attempt: number;
}

export type BegunSession = Omit<BegunSessionInfo, 'mode'> & { outcome: 'begun' | 'already-in-progress' };

export function createLifecycleActivities(deps: LifecycleActivityDependencies) {
  const client = (tenancy?: string) => deps.clients.get(tenancy);

  return {
    /** Proves the credentials work and warms this worker's token cache. Returns metadata only. */
    async acquireToken(args: OnTenancy): Promise<TokenMetadata> {
      return runWithHeartbeats((signal) => client(args.tenancy).acquireToken({ signal }));
    },

    async createWorkItem(args: CreateWorkItemArgs): Promise<{ workItemId: string; outcome: string }> {
      return runWithHeartbeats(async (signal) => {
        const { outcome } = await ensureWorkItemCreated(
          client(args.tenancy),
          { ...args.workItem, answerXml: args.answerXml },
          { signal },
        );
        return { workItemId: args.workItem.id, outcome };
      });
    },

    async beginSession(args: BeginSessionArgs): Promise<BegunSession> {
      return runWithHeartbeats(async (signal) => {
        const { session, outcome } = await ensureSessionBegun(
          client(args.tenancy),
          args.workItemId,
          args.versionId,
          args.answerXml === undefined ? {} : { answerXml: args.answerXml },
          { signal },
        );
        return { ...session, outcome };
      });
    },

    /**
     * `CompleteSession` names no version (it acts on the *active* session), so a request of an
     * attempt whose worker died can still land later. The attempt number lets the workflow see
     * both sides of that: a retried completion (an earlier request may still be in flight), and
     * a first attempt that finds its session already completed (by such a stray request).
     */
    async completeSession(args: CompleteSessionArgs): Promise<CompleteSessionResult> {
      const { attempt } = Context.current().info;
      return runWithHeartbeats(async (signal) => {
        const { outcome } = await ensureSessionCompleted(
          client(args.tenancy),
          args.workItemId,
          args.versionId,
          { runAssembly: args.runAssembly },
          { signal },
        );
        return {
          outcome: outcome === 'already-completed' && attempt === 1 ? 'completed-elsewhere' : outcome,
          attempt,
        };
      });
    },

    async saveSession(args: OnTenancy & { workItemId: string }): Promise<{ outcome: string }> {
      return runWithHeartbeats((signal) =>
        ensureSessionSaved(client(args.tenancy), args.workItemId, { signal }),
      );
    },

    async listDocuments(args: DocumentsArgs): Promise<LifecycleDocument[]> {
      return runWithHeartbeats(async (signal) =>
        documentsOf(
          args.versionId,
          await client(args.tenancy).listDocuments(args.workItemId, { signal }),
        ).map(describeDocument),
      );
    },

    /** Lists the session's documents and streams each into the document store. */
    async storeDocuments(args: DocumentsArgs): Promise<LifecycleDocument[]> {
      return runWithHeartbeats((signal) =>
        storeSessionDocuments(client(args.tenancy), deps.documentStore, args, signal),
      );
    },

    /** Posts a signed reminder when a webhook is configured; otherwise records that none is. */
    async sendInterviewReminder(notice: ReminderNotice): Promise<{ delivered: boolean; detail: string }> {
      const webhook = deps.reminderWebhook;
      if (webhook === undefined) return { delivered: false, detail: 'no REMINDER_WEBHOOK_URL configured' };
      return runWithHeartbeats(async (signal) => {
        const { status } = await webhook.send(notice, signal);
        return { delivered: true, detail: `webhook answered HTTP ${status}` };
      });
    },
  };
}

export type LifecycleActivities = ReturnType<typeof createLifecycleActivities>;

/**
 * Lists a session's documents and streams each from Advance into the store: only references,
 * sizes and checksums enter history. A checksum that differs from Advance's listing stores nothing
 * and is retried (a truncated or altered transfer).
 */
async function storeSessionDocuments(
  advance: AdvanceClient,
  store: DocumentStore,
  args: DocumentsArgs,
  signal: AbortSignal,
): Promise<LifecycleDocument[]> {
  const documents = documentsOf(args.versionId, await advance.listDocuments(args.workItemId, { signal }));
  const stored: LifecycleDocument[] = [];
  for (const document of documents) {
    const download = await advance.downloadDocument(args.workItemId, document.id, { signal });
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
