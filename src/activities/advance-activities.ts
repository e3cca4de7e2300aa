import { Context } from '@temporalio/activity';
import {
  ensureSessionBegun,
  ensureSessionSaved,
  ensureVersionAssembled,
  ensureVersionCompleted,
  ensureInterviewFinished,
  ensureVersionSaved,
  ensureWorkItemCreated,
  versionPhase,
  type AdvanceCallback,
  type AdvanceClient,
  type ProtocolCapabilities,
  type TokenMetadata,
  type VersionPhase,
} from '../advance';
import type { AdvanceCallbackSigner } from '../security/advance-callbacks';
import type { BegunSessionInfo } from '../workflows/messages';
import type { AdvanceClients, OnTenancy } from './advance-clients';
import { runWithHeartbeats } from './heartbeat';

/**
 * The Advance calls of a lifecycle, as activities: thin adapters over the client's retry-safe
 * helpers. Ids are chosen by the workflow, so every retry repeats the same request, and a lost
 * response is settled by reading Advance's state. Nothing secret is returned (token metadata only).
 */

export interface AdvanceActivityDependencies {
  clients: AdvanceClients;
  /**
   * Where v2.0 callbacks go (the gateway), and how they are signed; absent: no callbacks, the
   * lifecycle polls the version's status only.
   */
  callbacks?: { baseUrl: string; signer: AdvanceCallbackSigner };
  /** A completion webhook is configured: lifecycles announce their events (COMPLETION_WEBHOOK_URL). */
  announcesEvents?: boolean;
}

export type { OnTenancy } from './advance-clients';

/** What the lifecycle needs to know of its tenancy's protocol (recorded in its history). */
export type AdvanceProtocolFacts = Omit<ProtocolCapabilities, 'createAndAssemble'> & {
  createAndAssemble: ProtocolCapabilities['createAndAssemble'];
};

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

export interface VersionArgs extends OnTenancy {
  workItemId: string;
  versionId: string;
}

export interface BeginSessionArgs extends VersionArgs {
  answerXml?: string;
}

export interface CompleteSessionArgs extends VersionArgs {
  runAssembly: boolean;
  /**
   * Local attempts of this completion ran before this regular activity (local-first.ts): its
   * attempt 1 is not this lifecycle's first request.
   */
  afterLocalAttempts?: boolean;
}

export interface FinishInterviewArgs extends VersionArgs {
  coreSessionId: string;
  interviewJsUrl: string;
}

export interface CompleteSessionResult {
  /**
   * `completed-elsewhere`: this lifecycle's first request found the session already completed;
   * `completing`: accepted, but Advance is still completing it (v2.0) — read its status again.
   */
  outcome: 'completed' | 'already-completed' | 'completed-elsewhere' | 'completing';
  attempt: number;
  /** The request named the version (v2.0): a late request of a lost attempt cannot touch another. */
  namesVersion?: boolean;
  status?: string;
}

export interface VersionStatusResult {
  status: string;
  phase: VersionPhase;
}

export type BegunSession = Omit<BegunSessionInfo, 'mode'> & { outcome: 'begun' | 'already-in-progress' };

export function advanceActivities(deps: AdvanceActivityDependencies) {
  const client = (args: OnTenancy, signal: AbortSignal) => deps.clients.forStep(args, signal);

  return {
    ...completionActivities(deps),
    /**
     * Proves the credentials work and warms this worker's token cache. Returns metadata only, the
     * protocol's capabilities, which the lifecycle keeps (it must not branch on versions), and
     * whether this deployment announces lifecycle events.
     */
    async acquireToken(
      args: OnTenancy,
    ): Promise<TokenMetadata & { protocol: AdvanceProtocolFacts; announcesEvents: boolean }> {
      return runWithHeartbeats(async (signal) => {
        const advance = await client(args, signal);
        const metadata = await advance.acquireToken({ signal });
        // Recorded in the lifecycle's history with the token check: whether it announces its events
        // (only then does it start a delivery per event, so lifecycles without a webhook pay nothing).
        return {
          ...metadata,
          protocol: advance.capabilities,
          announcesEvents: deps.announcesEvents === true,
        };
      });
    },

    async createWorkItem(args: CreateWorkItemArgs): Promise<{ workItemId: string; outcome: string }> {
      return runWithHeartbeats(async (signal) => {
        const { outcome } = await ensureWorkItemCreated(
          await client(args, signal),
          { ...args.workItem, answerXml: args.answerXml },
          { signal },
        );
        return { workItemId: args.workItem.id, outcome };
      });
    },

    async beginSession(args: BeginSessionArgs): Promise<BegunSession> {
      return runWithHeartbeats(async (signal) => {
        const { session, outcome } = await ensureSessionBegun(
          await client(args, signal),
          args.workItemId,
          args.versionId,
          args.answerXml === undefined ? {} : { answerXml: args.answerXml },
          { signal },
        );
        return { ...session, outcome };
      });
    },

    /** Saves the session (v2.0: SaveAndClose of `versionId`); nothing in progress is fine. */
    async saveSession(
      args: OnTenancy & { workItemId: string; versionId?: string },
    ): Promise<{ outcome: string }> {
      return runWithHeartbeats(async (signal) => {
        const advance = await client(args, signal);
        return args.versionId === undefined
          ? ensureSessionSaved(advance, args.workItemId, { signal })
          : ensureVersionSaved(advance, args.workItemId, args.versionId, { signal });
      });
    },
  };
}

/** Completing a version: Complete (v1.1: CompleteSession), CreateAndAssemble, the status reads. */
function completionActivities(deps: AdvanceActivityDependencies) {
  const client = (args: OnTenancy, signal: AbortSignal) => deps.clients.forStep(args, signal);
  const callbackFor = (advance: AdvanceClient, args: VersionArgs) => versionCallback(deps, advance, args);
  return {
    /**
     * On v1.1 `CompleteSession` names no version (it acts on the *active* session), so a request
     * of an attempt whose worker died can still land later. The attempt number lets the workflow
     * see both sides of that: a retried completion (an earlier request may still be in flight),
     * and a first attempt that finds its session already completed (by such a stray request). On
     * v2.0 Complete names the version (`namesVersion`), and may answer `completing`.
     */
    async completeSession(args: CompleteSessionArgs): Promise<CompleteSessionResult> {
      const { attempt } = Context.current().info;
      return runWithHeartbeats(async (signal) => {
        const advance = await client(args, signal);
        const callback = callbackFor(advance, args);
        const { outcome, status } = await ensureVersionCompleted(
          advance,
          args.workItemId,
          args.versionId,
          { runAssembly: args.runAssembly, ...(callback !== undefined && { callback }) },
          { signal },
        );
        const firstRequest = attempt === 1 && args.afterLocalAttempts !== true;
        return {
          outcome: outcome === 'already-completed' && firstRequest ? 'completed-elsewhere' : outcome,
          attempt,
          namesVersion: advance.capabilities.completeNamesVersion,
          status,
        };
      });
    },

    /**
     * v2.0 batch: creates the version and assembles it in one CreateAndAssemble call where the
     * server has it (else create + Complete); may answer `completing`.
     */
    async assembleVersion(args: BeginSessionArgs): Promise<CompleteSessionResult & { via?: string }> {
      const { attempt } = Context.current().info;
      return runWithHeartbeats(async (signal) => {
        const advance = await client(args, signal);
        const callback = callbackFor(advance, args);
        const { outcome, status, via } = await ensureVersionAssembled(
          advance,
          args.workItemId,
          args.versionId,
          {
            ...(args.answerXml !== undefined && { answerXml: args.answerXml }),
            ...(callback !== undefined && { callback }),
          },
          { signal },
        );
        return { outcome, attempt, namesVersion: advance.capabilities.completeNamesVersion, status, via };
      });
    },

    /**
     * v2.0: finishes the interview's Core session before Complete (HotDocs' interview use case);
     * finished before, or its session gone, is `already-finished`, never a failure.
     */
    async finishInterview(args: FinishInterviewArgs): Promise<{ outcome: string }> {
      return runWithHeartbeats(async (signal) => {
        const { outcome } = await ensureInterviewFinished(
          await client(args, signal),
          { coreSessionId: args.coreSessionId, interviewJsUrl: args.interviewJsUrl },
          { workItemId: args.workItemId, versionId: args.versionId, signal },
        );
        return { outcome };
      });
    },

    /** v2.0: where a completing version stands; only `completed` lets documents be collected. */
    async readVersionStatus(args: VersionArgs): Promise<VersionStatusResult> {
      return runWithHeartbeats(async (signal) => {
        const advance = await client(args, signal);
        const { status } = await advance.readVersionStatus(args.workItemId, args.versionId, { signal });
        return { status, phase: versionPhase(status) };
      });
    },
  };
}

/** The callback of a version (v2.0 with a configured gateway), for Complete and CreateAndAssemble. */
function versionCallback(
  deps: AdvanceActivityDependencies,
  advance: AdvanceClient,
  args: VersionArgs,
): AdvanceCallback | undefined {
  const callbacks = deps.callbacks;
  if (callbacks === undefined || !advance.capabilities.callbacks) return undefined;
  const lifecycleId = Context.current().info.workflowExecution?.workflowId;
  if (lifecycleId === undefined) return undefined;
  const { workItemId, versionId } = args;
  return callbacks.signer.callbackFor(callbacks.baseUrl, { lifecycleId, workItemId, versionId });
}
