import type { Connection } from '@temporalio/client';
import { LifecycleClientError, lifecycleWorkflowId, type LifecycleClient } from '../../src/client';
import type { LifecycleResult, LifecycleStatus } from '../../src/workflows/lifecycle-status';
import { STAGE } from '../../src/workflows/search-attributes';
import type { FollowUpPlan, LifecyclePlan } from './plan';
import { retrying, RunDeadlineExceeded, sleep, type RetryBudget } from './retry';

/** Work group and template package the chaos lifecycles name (the emulator accepts any GUID). */
export const CHAOS_WORK_GROUP_ID = '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11';
export const CHAOS_TEMPLATE_PACKAGE_ID = '0f2a7d6c-58e4-4a9b-8f3e-2b9d6c1e7a22';
const ANSWERS =
  '<AnswerSet><Answer name="Tenant"><TextValue>Ann Example</TextValue></Answer>' +
  '<Answer name="Rent"><NumValue>1250</NumValue></Answer></AnswerSet>';

const POLL_INTERVAL_MS = 1_000;
/** A signalled interview still waiting after this long is signalled again (and noted). */
const RESIGNAL_AFTER_MS = 30_000;
/** How long the update may wait for a worker before the signal goes instead: the gateway's default. */
const FINISH_ACCEPT_WITHIN_MS = 5_000;

export type LifecycleEnd = 'completed' | 'expired' | 'failed' | 'stuck';

/** What the driver saw of one lifecycle; the report and the evidence are built from these. */
export interface LifecycleOutcome {
  plan: LifecyclePlan;
  lifecycleId: string;
  workItemId?: string;
  end: LifecycleEnd;
  /** From the first start call to the result (or to giving up). */
  seconds: number;
  result?: LifecycleResult;
  error?: string;
  /**
   * Sessions whose interview the driver reported finished, with the moment it began sending the
   * first report: Advance must not complete an interview session before that moment.
   */
  interviewsSignalled: Array<{ versionId: string; at: string }>;
  /**
   * How each report of a finished interview went: `signal` (the `interviewCompleted` signal), or
   * the `completeInterview` update's outcome (`accepted`, `already-finished`, `signalled` when no
   * worker took it in time and it went as the signal).
   */
  interviewReports: Record<string, number>;
  followUpsSent: number;
  /** Follow-up requests that failed without an answer, by what the status then showed. */
  followUpsUnanswered: { landed: number; repeated: number };
  /** Anything unusual the driver had to do for this lifecycle (re-signals, follow-up reconciliation). */
  notes: string[];
}

export interface DriverContext {
  lifecycles: LifecycleClient;
  connection: Connection;
  budget: RetryBudget;
  runTag: string;
  log: (line: string) => void;
}

/** The name each lifecycle's work item gets: lets the report tie emulator work items to lifecycles. */
export function workItemName(runTag: string, index: number): string {
  return `Chaos ${runTag} #${index}`;
}

/**
 * Drives one lifecycle as a business system would, through `LifecycleClient`: starts it, answers
 * each interview once its session is waiting with interview data, asks for the planned follow-ups
 * (signal or update), finishes it, and collects its result. Every call survives the dev server's
 * restart by retrying; the two calls that are not idempotent (the follow-up requests) are only
 * repeated after checking the lifecycle's status shows they did not land.
 */
export async function driveLifecycle(ctx: DriverContext, plan: LifecyclePlan): Promise<LifecycleOutcome> {
  const businessKey = `chaos-${ctx.runTag}-${plan.index}`;
  const startedAt = Date.now();
  const outcome: LifecycleOutcome = {
    plan,
    lifecycleId: lifecycleWorkflowId({ businessKey, workItem: {} }),
    end: 'stuck',
    seconds: 0,
    interviewsSignalled: [],
    interviewReports: {},
    followUpsSent: 0,
    followUpsUnanswered: { landed: 0, repeated: 0 },
    notes: [],
  };
  try {
    const started = await call(ctx, 'start', () =>
      ctx.lifecycles.start({
        businessKey,
        workItem: {
          name: workItemName(ctx.runTag, plan.index),
          workGroupId: CHAOS_WORK_GROUP_ID,
          templatePackageId: CHAOS_TEMPLATE_PACKAGE_ID,
        },
        answerXml: ANSWERS,
        mode: plan.mode,
        // Follow-up lifecycles stay open between sessions until they are told to finish.
        ...(plan.followUps.length > 0 && { keepOpenFor: '1h' }),
      }),
    );
    outcome.lifecycleId = started.lifecycleId;
    outcome.workItemId = started.workItemId;
    if (!started.created) outcome.notes.push('start was repeated: the lifecycle already existed');

    // Every other lifecycle finishes its interviews as the gateway does (the update, a signal
    // when no worker takes it in time), the rest by the signal alone.
    const watch = new LifecycleWatch(ctx, outcome, plan.index % 2 === 0 ? 'update' : 'signal');
    // Settles with the watch's error instead of rejecting, so it is never an unhandled rejection.
    const watching = watch.run().then(
      () => undefined,
      (error: unknown) => error,
    );
    try {
      for (const [i, followUp] of plan.followUps.entries()) {
        if (followUp.when === 'when-idle') await watch.until((stage) => stage === 'idle');
        await requestFollowUp(ctx, outcome, i, followUp);
      }
      if (plan.followUps.length > 0)
        await call(ctx, 'finish', () => ctx.lifecycles.finish(outcome.lifecycleId));
    } catch (error) {
      watch.stop();
      throw error;
    }
    const watchError = await watching;
    if (watchError !== undefined) throw watchError;

    outcome.result = await call(ctx, 'result', () => ctx.lifecycles.result(outcome.lifecycleId));
    outcome.end = outcome.result.outcome;
  } catch (error) {
    if (error instanceof RunDeadlineExceeded) {
      outcome.end = 'stuck';
      outcome.error = error.message;
    } else {
      outcome.end = 'failed';
      outcome.error = error instanceof Error ? error.message : String(error);
    }
  }
  outcome.seconds = (Date.now() - startedAt) / 1000;
  return outcome;
}

/**
 * Polls one lifecycle (describe: answered by the server alone, stage from the search attribute),
 * and answers its interviews: the status query runs only when the stage says it is waiting.
 */
class LifecycleWatch {
  stage?: string;
  closed = false;
  private stopped = false;
  private readonly signalledAt = new Map<string, number>();

  constructor(
    private readonly ctx: DriverContext,
    private readonly outcome: LifecycleOutcome,
    private readonly finishVia: 'update' | 'signal',
  ) {}

  async run(): Promise<void> {
    const id = this.outcome.lifecycleId;
    while (!this.stopped) {
      const description = await call(this.ctx, 'describe', () =>
        this.ctx.lifecycles.temporal.workflow.getHandle(id).describe(),
      );
      this.stage = description.typedSearchAttributes.get(STAGE);
      if (description.status.name !== 'RUNNING') {
        this.closed = true;
        return;
      }
      if (this.stage === 'waiting-for-interview') await this.answerInterview();
      await sleep(POLL_INTERVAL_MS * (0.75 + Math.random() / 2));
    }
  }

  stop(): void {
    this.stopped = true;
  }

  /** Resolves once `test(stage)` holds; throws if the lifecycle closes first. */
  async until(test: (stage: string | undefined) => boolean): Promise<void> {
    while (!test(this.stage)) {
      if (this.closed) throw new Error(`the lifecycle closed while the driver waited (stage ${this.stage})`);
      await sleep(200);
    }
  }

  private async answerInterview(): Promise<void> {
    const id = this.outcome.lifecycleId;
    const status = await call(this.ctx, 'status', () => this.ctx.lifecycles.status(id), {
      attemptTimeoutMs: 5_000,
    });
    const session = status.activeSession;
    if (
      status.stage !== 'waiting-for-interview' ||
      session === undefined ||
      session.interview === undefined ||
      session.mode !== 'interview' ||
      session.interviewCompleted
    ) {
      return;
    }
    const signalledAt = this.signalledAt.get(session.versionId);
    if (signalledAt !== undefined) {
      if (Date.now() - signalledAt < RESIGNAL_AFTER_MS) return;
      this.outcome.notes.push(
        `session ${session.versionId} still waited for its interview ${RESIGNAL_AFTER_MS / 1000} s after ` +
          'interviewCompleted was signalled: signalled again',
      );
    }
    // A person takes a moment to finish an interview; it also spreads the signals out.
    await sleep(Math.random() * 1_000);
    const sendingAt = new Date();
    const report =
      this.finishVia === 'signal'
        ? await call(this.ctx, 'interviewCompleted', async () => {
            await this.ctx.lifecycles.interviewCompleted(id, session.versionId);
            return 'signal';
          })
        : await call(this.ctx, 'completeInterview', async () => {
            const { outcome } = await this.ctx.lifecycles.completeInterview(id, {
              versionId: session.versionId,
              acceptWithinMs: FINISH_ACCEPT_WITHIN_MS,
            });
            return outcome;
          });
    const reports = this.outcome.interviewReports;
    reports[report] = (reports[report] ?? 0) + 1;
    this.signalledAt.set(session.versionId, Date.now());
    if (!this.outcome.interviewsSignalled.some((s) => s.versionId === session.versionId)) {
      this.outcome.interviewsSignalled.push({ versionId: session.versionId, at: sendingAt.toISOString() });
    }
  }
}

/**
 * Follow-up `i` of the plan, by signal or update. Neither carries an idempotency key, so a call
 * that failed without an answer (the server went away) is repeated only if the status shows no
 * session for it yet — a blind retry could ask for one session twice.
 */
async function requestFollowUp(
  ctx: DriverContext,
  outcome: LifecycleOutcome,
  i: number,
  followUp: FollowUpPlan,
): Promise<void> {
  const id = outcome.lifecycleId;
  const request = { mode: followUp.mode };
  const name = followUp.via === 'signal' ? 'requestFollowUp' : 'beginFollowUp';
  const send =
    followUp.via === 'signal'
      ? () => ctx.lifecycles.requestFollowUp(id, request)
      : async () => {
          await ctx.lifecycles.beginFollowUp(id, request);
        };
  await retrying(name, ctx.connection, ctx.budget, send, {
    // The update waits until Advance has begun the session: after the one before it is completed.
    attemptTimeoutMs: followUp.via === 'update' ? 60_000 : 10_000,
    beforeRetry: async (error, attempt) => {
      const status = await call(ctx, 'status', () => ctx.lifecycles.status(id), { attemptTimeoutMs: 5_000 });
      const landed = followUpsKnown(status) > i;
      outcome.followUpsUnanswered[landed ? 'landed' : 'repeated'] += 1;
      outcome.notes.push(
        `${name} #${i + 1} attempt ${attempt} failed without an answer (${describeError(error)}); ` +
          (landed
            ? 'the status shows it landed: not repeated'
            : 'the status shows it did not land: repeated'),
      );
      return !landed;
    },
  });
  outcome.followUpsSent += 1;
}

/** Follow-up sessions the lifecycle knows of: every session (queued, active, completed) but the first. */
export function followUpsKnown(status: LifecycleStatus): number {
  return (
    status.completedSessions.length +
    (status.activeSession === undefined ? 0 : 1) +
    status.queuedFollowUps.length -
    1
  );
}

/** A retried client call whose final answer is its value: `undefined` only comes from `beforeRetry`. */
async function call<T>(
  ctx: DriverContext,
  name: string,
  fn: () => Promise<T>,
  options: { attemptTimeoutMs?: number } = {},
): Promise<T> {
  const value = await retrying(name, ctx.connection, ctx.budget, fn, options);
  return value as T;
}

function describeError(error: unknown): string {
  if (error instanceof LifecycleClientError) return `${error.code}: ${error.message}`;
  if (!(error instanceof Error)) return String(error);
  // The SDK wraps the gRPC status ("Workflow Update failed"): the cause says what happened.
  const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : '';
  return `${error.name}: ${error.message}${cause}`.slice(0, 300);
}
