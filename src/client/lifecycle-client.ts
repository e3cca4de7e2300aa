import { randomUUID } from 'node:crypto';
import {
  Client,
  Connection,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type ClientInterceptors,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { EventDeliveryOutcome } from '../workflows/event-delivery';
import { AnswerXmlError, checkAnswerXml } from '../advance';
import { lifecycleDataConverter } from '../codec/data-converter';
import { ConfigError, loadClientConfig, type ClientConfig } from '../config';
import { failureTypeOf, messageOf } from '../workflows/failure-types';
import type { LifecycleResult, LifecycleStatus } from '../workflows/lifecycle-status';
import {
  advanceCallbackSignal,
  advanceWebhookSignal,
  beginFollowUpSessionUpdate,
  DEFAULT_TASK_QUEUE,
  finishSignal,
  interviewCompletedSignal,
  interviewReadyUpdate,
  LIFECYCLE_WORKFLOW_TYPE,
  repairUpdate,
  requestFollowUpSessionSignal,
  statusQuery,
  type BegunSessionInfo,
  type InterviewReadiness,
  type RepairOutcome,
  type RepairRequest,
} from '../workflows/messages';
import {
  isGuid,
  legacyLifecycleWorkflowId,
  lifecycleWorkflowId,
  repairRequestProblems,
  truncate,
} from '../workflows/message-rules';
import {
  completeInterview,
  type CompleteInterviewOptions,
  type InterviewCompletion,
} from './interview-completion';
import {
  checkFollowUpRequestBySchema as checkFollowUpRequest,
  checkLifecycleInputBySchema as checkLifecycleInput,
  type FollowUpRequest,
  type NormalizedLifecycleInput,
} from './input-schema';
import { BUSINESS_KEY, OWNER, STAGE, TENANCY, WORK_ITEM_ID } from '../workflows/search-attributes';
import { listLifecycles, workItemQuery } from './lifecycle-list';
import {
  configurationError,
  LifecycleClientError,
  LifecycleClosedError,
  LifecycleInputError,
  LifecycleNotFoundError,
  updateRefused,
} from './errors';

export interface StartedLifecycle {
  lifecycleId: string;
  runId?: string;
  workItemId?: string;
  /** False when a lifecycle with this business key (or work item id) already existed. */
  created: boolean;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, ... */
  status: string;
  /** The lifecycle's own (the first one's, when it already existed): search attributes. */
  businessKey?: string;
  tenancy?: string;
  owner?: string;
}

export interface StartOptions {
  /**
   * Who starts it (the gateway: its API key's name), recorded as memo `owner` and the
   * `HotDocsOwner` search attribute; letters, digits, `. _ -`, at most 64. @default none
   */
  owner?: string;
}

/** Who a lifecycle belongs to and where it stands, from one DescribeWorkflowExecution call. */
export interface LifecycleDescription {
  lifecycleId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, ... */
  status: string;
  businessKey?: string;
  tenancy?: string;
  workItemId?: string;
  owner?: string;
}

/** How many closed runs a wait follows into the next (continue-as-new) before it gives up. */
const MAX_RUN_HOPS = 5;

const OWNER_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * What business systems import to drive lifecycles. Checks input before anything reaches
 * Temporal, and turns Temporal's errors into typed `LifecycleClientError`s.
 */
export class LifecycleClient {
  readonly taskQueue: string;

  constructor(
    readonly temporal: Client,
    options: { taskQueue?: string } = {},
  ) {
    this.taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
  }

  /**
   * Connects as the environment says (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`,
   * `TEMPORAL_TASK_QUEUE`, `PAYLOAD_ENCRYPTION_KEYS`, …: src/config/client.ts); `interceptors` are
   * the client's (the gateway's tracing). A configuration problem is a `LifecycleClientError` with
   * code `invalid-configuration`.
   */
  static async connect(
    env: Record<string, string | undefined> = process.env,
    options: { interceptors?: ClientInterceptors } = {},
  ): Promise<LifecycleClient> {
    let config: ClientConfig;
    try {
      config = loadClientConfig(env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw configurationError(error);
    }
    return LifecycleClient.connectWith(config, options);
  }

  /** Connects with a configuration already read (`loadClientConfig`). */
  static async connectWith(
    { temporal, taskQueue, encryption }: ClientConfig,
    { interceptors }: { interceptors?: ClientInterceptors } = {},
  ): Promise<LifecycleClient> {
    const connection = await Connection.connect(temporal.connectionOptions);
    const dataConverter = lifecycleDataConverter(encryption.keys, { requireEncrypted: encryption.required });
    const client = new Client({ connection, namespace: temporal.namespace, dataConverter, interceptors });
    return new LifecycleClient(client, { taskQueue });
  }

  async close(): Promise<void> {
    await this.temporal.connection.close();
  }

  /** Starts a lifecycle, or returns the one already started with the same business key. */
  async start(input: unknown, { owner }: StartOptions = {}): Promise<StartedLifecycle> {
    const normalized = validateLifecycleInput(input);
    if (owner !== undefined && !OWNER_PATTERN.test(owner))
      throw new LifecycleInputError(['owner must be 1 to 64 letters, digits, . _ -'], 'start options');
    // The work item GUID is fixed here when the caller did not choose one, so that it is known
    // (and searchable) from the start; a repeated start with the same business key still finds
    // the first lifecycle, whose own id wins.
    const withIds: NormalizedLifecycleInput =
      normalized.workItem.id === undefined
        ? { ...normalized, workItem: { ...normalized.workItem, id: randomUUID() } }
        : normalized;
    const legacy = await this.legacyLifecycle(normalized);
    if (legacy !== undefined) return legacy;
    const lifecycleId = lifecycleWorkflowId(withIds);
    try {
      const handle = await this.temporal.workflow.start(LIFECYCLE_WORKFLOW_TYPE, {
        workflowId: lifecycleId,
        taskQueue: this.taskQueue,
        args: [withIds],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
        staticSummary: truncate(`Assembly: ${withIds.workItem.name}`, 190),
        ...(owner !== undefined && { memo: { owner } }),
        typedSearchAttributes: [
          ...(owner === undefined ? [] : [{ key: OWNER, value: owner }]),
          { key: STAGE, value: 'starting' },
          ...(withIds.businessKey === undefined ? [] : [{ key: BUSINESS_KEY, value: withIds.businessKey }]),
          ...(withIds.workItem.id === undefined ? [] : [{ key: WORK_ITEM_ID, value: withIds.workItem.id }]),
          ...(withIds.tenancy === undefined ? [] : [{ key: TENANCY, value: withIds.tenancy }]),
        ],
      });
      return {
        lifecycleId,
        runId: handle.firstExecutionRunId,
        workItemId: withIds.workItem.id,
        created: true,
        status: 'RUNNING',
        ...(withIds.businessKey !== undefined && { businessKey: withIds.businessKey }),
        ...(withIds.tenancy !== undefined && { tenancy: withIds.tenancy }),
        ...(owner !== undefined && { owner }),
      };
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      return existingLifecycle(lifecycleId, await this.temporal.workflow.getHandle(lifecycleId).describe());
    }
  }

  /**
   * The lifecycle this start repeats, when it was started with the same tenancy before tenancies
   * were part of lifecycle ids (message-rules.ts): found under its old id, and only if its own
   * tenancy is this one — a lifecycle of another tenancy there is neither returned nor revealed.
   */
  private async legacyLifecycle(input: NormalizedLifecycleInput): Promise<StartedLifecycle | undefined> {
    const legacyId = legacyLifecycleWorkflowId(input);
    if (legacyId === undefined) return undefined;
    let description: WorkflowExecutionDescription;
    try {
      description = await this.temporal.workflow.getHandle(legacyId).describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
    const found = existingLifecycle(legacyId, description);
    return found.tenancy === input.tenancy ? found : undefined;
  }

  /**
   * Who the lifecycle belongs to (business key, tenancy, owner) and its execution status, from
   * its search attributes: one cheap call, no workflow task (unlike `status`).
   */
  async describe(lifecycleId: string): Promise<LifecycleDescription> {
    return this.onExisting(lifecycleId, async (handle) =>
      describedLifecycle(lifecycleId, await handle.describe()),
    );
  }

  /**
   * Reports an interview as finished and says what became of it (the `completeInterview`
   * update): `accepted`, `already-finished`, or — when no worker accepted it within
   * `acceptWithinMs` (all of them down for a deploy, say) — `signalled`: sent as the
   * `interviewCompleted` signal instead, which needs only Temporal's server and is taken by the
   * same rule once a worker is back. A request the lifecycle refuses (ended, no such session, no
   * interview waiting) is `request-rejected`.
   */
  async completeInterview(
    lifecycleId: string,
    options: CompleteInterviewOptions = {},
  ): Promise<InterviewCompletion> {
    if (options.versionId !== undefined && !isGuid(options.versionId))
      throw new LifecycleInputError(['versionId must be a GUID'], 'completeInterview');
    return this.onRunning(lifecycleId, (handle) => completeInterview(handle, options));
  }

  /** Reports the interview of session `versionId` as finished: the signal, fire and forget. */
  async interviewCompleted(lifecycleId: string, versionId: string): Promise<void> {
    if (!isGuid(versionId)) throw new LifecycleInputError(['versionId must be a GUID'], 'interviewCompleted');
    await this.onRunning(lifecycleId, (handle) => handle.signal(interviewCompletedSignal, { versionId }));
  }

  /** Queues a follow-up session (fire and forget). */
  async requestFollowUp(lifecycleId: string, request: FollowUpRequest = {}): Promise<void> {
    const checked = validateFollowUp(request);
    await this.onRunning(lifecycleId, (handle) => handle.signal(requestFollowUpSessionSignal, checked));
  }

  /** Queues a follow-up session and waits until Advance has begun it (after the active one completed). */
  async beginFollowUp(lifecycleId: string, request: FollowUpRequest = {}): Promise<BegunSessionInfo> {
    const checked = validateFollowUp(request);
    return this.onRunning(lifecycleId, async (handle) => {
      try {
        // The request id doubles as the update id: Temporal answers a repeat with the first outcome.
        return await handle.executeUpdate(beginFollowUpSessionUpdate, {
          args: [checked],
          updateId: checked.requestId,
        });
      } catch (error) {
        if (error instanceof WorkflowUpdateFailedError) throw updateRefused(error);
        throw error;
      }
    });
  }

  /**
   * Waits until the lifecycle's interview has begun, or until nothing more is to come (the
   * `interviewReady` update: pushed by the workflow, no status reads in between). A lifecycle that
   * has ended is `request-rejected` (or `lifecycle-closed` once its run has closed). An update
   * cut off by the run's end while the lifecycle goes on (continue-as-new) is sent again to the
   * new run. Abort it with `temporal.withAbortSignal`.
   */
  async waitForInterview(lifecycleId: string): Promise<InterviewReadiness> {
    return this.onRunning(lifecycleId, async (handle) => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await handle.executeUpdate(interviewReadyUpdate);
        } catch (error) {
          if (error instanceof WorkflowUpdateFailedError) throw updateRefused(error);
          if (!(error instanceof WorkflowNotFoundError) || attempt >= MAX_RUN_HOPS) throw error;
          // The run this update reached closed; a lifecycle that went on runs under the same id.
          const { status } = await handle.describe();
          if (status.name !== 'RUNNING') throw error;
        }
      }
    });
  }

  /**
   * An operator's repair of a lifecycle in `needs-attention` (see `repairUpdate`); refused with
   * `request-rejected` when the lifecycle does not need attention or the action does not fit.
   */
  async repair(lifecycleId: string, request: RepairRequest): Promise<RepairOutcome> {
    const problems = repairRequestProblems(request);
    if (problems.length > 0) throw new LifecycleInputError(problems, 'repair request');
    return this.onRunning(lifecycleId, async (handle) => {
      try {
        return await handle.executeUpdate(repairUpdate, { args: [request] });
      } catch (error) {
        if (error instanceof WorkflowUpdateFailedError) throw updateRefused(error);
        throw error;
      }
    });
  }

  /**
   * Tells the lifecycle that Advance v2.0 called back for `versionId` (the gateway's callback
   * route): it reads the version's status now instead of at its next poll.
   */
  async advanceCallback(lifecycleId: string, versionId: string): Promise<void> {
    if (!isGuid(versionId)) throw new LifecycleInputError(['versionId must be a GUID'], 'advanceCallback');
    await this.onRunning(lifecycleId, (handle) => handle.signal(advanceCallbackSignal, { versionId }));
  }

  /**
   * Advance's own webhook reported `event` on work item `workItemId` (the gateway's webhook
   * route): its running lifecycle reads its version's status now. Answers the lifecycles told.
   */
  async advanceWebhook(workItemId: string, event: string): Promise<string[]> {
    if (!isGuid(workItemId)) throw new LifecycleInputError(['workItemId must be a GUID'], 'advanceWebhook');
    const { lifecycles } = await listLifecycles(this.temporal, workItemQuery(workItemId), { limit: 10 });
    const told: string[] = [];
    for (const { lifecycleId } of lifecycles) {
      const signal = { event: truncate(event, 100) };
      await this.onRunning(lifecycleId, (handle) => handle.signal(advanceWebhookSignal, signal)).then(
        () => told.push(lifecycleId),
        (error) => {
          if (!(error instanceof LifecycleClosedError) && !(error instanceof LifecycleNotFoundError))
            throw error;
        },
      );
    }
    return told;
  }

  /** Asks the lifecycle to close once no session is active. */
  async finish(lifecycleId: string): Promise<void> {
    await this.onRunning(lifecycleId, (handle) => handle.signal(finishSignal));
  }

  /**
   * The lifecycle's status. `withDeliveries: false` skips reading the outcome of event deliveries
   * that ended after their report could reach the lifecycle (a describe per pending event), for
   * callers that do not look at `events`.
   */
  async status(
    lifecycleId: string,
    { withDeliveries = true }: { withDeliveries?: boolean } = {},
  ): Promise<LifecycleStatus> {
    const status = await this.onExisting(lifecycleId, (handle) => handle.query(statusQuery));
    return withDeliveries ? this.withEndedDeliveries(status) : status;
  }

  /**
   * A delivery that ended after its lifecycle had closed could not report back to it: its outcome
   * is read from the delivery workflow itself, so that every delivery shows in `status.events`.
   */
  private async withEndedDeliveries(status: LifecycleStatus): Promise<LifecycleStatus> {
    const pending = (status.events ?? []).filter((event) => event.delivery === undefined);
    if (pending.length === 0) return status;
    await Promise.all(
      pending.map(async (event) => {
        const handle = this.temporal.workflow.getHandle(event.deliveryWorkflowId);
        const { status: execution } = await handle.describe().catch(() => ({ status: undefined }));
        if (execution?.name !== 'COMPLETED') return;
        const { lifecycleNotified: _, ...delivery } = (await handle.result()) as EventDeliveryOutcome;
        event.delivery = delivery;
      }),
    );
    return status;
  }

  /** The outcome; waits for the lifecycle to end unless `wait` is false. */
  async result(lifecycleId: string, { wait = true }: { wait?: boolean } = {}): Promise<LifecycleResult> {
    return this.onExisting(lifecycleId, async (handle) => {
      if (!wait) {
        const { status } = await handle.describe();
        if (status.name === 'RUNNING') {
          throw new LifecycleClientError(
            'lifecycle-still-running',
            `Lifecycle "${lifecycleId}" is still running`,
          );
        }
      }
      try {
        return (await handle.result()) as LifecycleResult;
      } catch (error) {
        if (error instanceof WorkflowFailedError) {
          // The workflow's own failure message names the stage and Advance's cause.
          throw new LifecycleClientError('lifecycle-failed', messageOf(error), [], {
            cause: error,
            failureType: failureTypeOf(error),
          });
        }
        throw error;
      }
    });
  }

  /** Cancels the lifecycle; an active session is saved first. */
  async cancel(lifecycleId: string): Promise<void> {
    // Temporal accepts a cancel request for an execution that has already ended, silently:
    // look first, so that a late cancel is reported instead of pretending to have worked.
    await this.onRunning(lifecycleId, async (handle) => {
      const { status } = await handle.describe();
      if (status.name !== 'RUNNING') throw new LifecycleClosedError(lifecycleId, status.name);
      await handle.cancel();
    });
  }

  private async onExisting<T>(
    lifecycleId: string,
    action: (handle: WorkflowHandle) => Promise<T>,
  ): Promise<T> {
    try {
      return await action(this.temporal.workflow.getHandle(lifecycleId));
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new LifecycleNotFoundError(lifecycleId);
      throw error;
    }
  }

  /** Runs a message send; a closed lifecycle is told apart from an unknown one. */
  private async onRunning<T>(
    lifecycleId: string,
    action: (handle: WorkflowHandle) => Promise<T>,
  ): Promise<T> {
    const handle = this.temporal.workflow.getHandle(lifecycleId);
    try {
      return await action(handle);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      const status = await handle.describe().then(
        (d) => d.status.name,
        () => undefined,
      );
      if (status === undefined) throw new LifecycleNotFoundError(lifecycleId);
      throw new LifecycleClosedError(lifecycleId, status);
    }
  }
}

function describedLifecycle(
  lifecycleId: string,
  description: WorkflowExecutionDescription,
): LifecycleDescription {
  const attributes = description.typedSearchAttributes;
  const optional = (key: string, value: string | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    lifecycleId,
    status: description.status.name,
    ...optional('businessKey', attributes.get(BUSINESS_KEY)),
    ...optional('tenancy', attributes.get(TENANCY)),
    ...optional('workItemId', attributes.get(WORK_ITEM_ID)),
    ...optional('owner', attributes.get(OWNER)),
  };
}

/** A lifecycle found already started: what a start that repeats it returns. */
function existingLifecycle(lifecycleId: string, description: WorkflowExecutionDescription): StartedLifecycle {
  return { ...describedLifecycle(lifecycleId, description), runId: description.runId, created: false };
}

/** Schema checks plus the full answer-XML check: bad input never reaches Temporal. */
export function validateLifecycleInput(input: unknown): NormalizedLifecycleInput {
  const checked = checkLifecycleInput(input);
  if (!checked.ok) throw new LifecycleInputError(checked.problems);
  const xmlProblem = answerXmlProblem(checked.value.answerXml);
  if (xmlProblem !== undefined) throw new LifecycleInputError([xmlProblem]);
  return checked.value;
}

export function validateFollowUp(request: unknown): FollowUpRequest {
  const checked = checkFollowUpRequest(request);
  if (!checked.ok) throw new LifecycleInputError(checked.problems, 'follow-up request');
  const xmlProblem = answerXmlProblem(checked.value.answerXml);
  if (xmlProblem !== undefined) throw new LifecycleInputError([xmlProblem], 'follow-up request');
  return checked.value;
}

function answerXmlProblem(xml: string | undefined): string | undefined {
  if (xml === undefined) return undefined;
  try {
    checkAnswerXml(xml);
    return undefined;
  } catch (error) {
    if (error instanceof AnswerXmlError) return `answerXml: ${error.message}`;
    throw error;
  }
}
