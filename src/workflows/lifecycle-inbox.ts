import { ApplicationFailure, condition, patched, uuid4 } from '@temporalio/workflow';
import { nowIso } from './clock';
import { FailureType } from './failure-types';
import {
  checkCompleteInterviewRequest,
  checkFollowUpRequest,
  checkInterviewCompleted,
  type FollowUpRequest,
  utf8Bytes,
} from './input';
import { LIMITS, MESSAGES } from './input-rules';
import { MAX_REJECTED, MAX_REQUEST_IDS, recordBounded, type RequestedSession } from './lifecycle-state';
import type { LifecycleView } from './lifecycle-view';
import type { BegunSessionInfo, CompleteInterviewRequest, CompleteInterviewResult } from './messages';
import { completionVerdict, isTerminal, truncate, type CompletionVerdict } from './message-rules';
import {
  PATCH_BOUNDED_FOLLOW_UP_QUEUE,
  PATCH_SINGLE_USE_CALLBACK,
  PATCH_STATUS_READS_AT_INTERVIEW,
} from './patches';

type UpdateOutcome = BegunSessionInfo | { error: string };

/** Longest rejection reason kept in `status.rejectedSignals` (a reason may quote the caller's keys). */
const MAX_REASON_CHARS = 300;

/**
 * The lifecycle's incoming messages: an interview's completion (update and signal), follow-up
 * requests (signal and update) and `finish`. Handlers only change state — the steps act on it —
 * and a message that cannot be honoured is recorded in `status.rejectedSignals` (signals) or
 * refused by the validator (updates), which writes nothing to history.
 */
export class LifecycleInbox {
  /** What each waiting `beginFollowUpSession` update gets back, by request id. */
  private readonly updateOutcomes = new Map<string, UpdateOutcome>();

  constructor(private readonly lifecycle: LifecycleView) {}

  private get state() {
    return this.lifecycle.state;
  }

  private get options() {
    return this.lifecycle.options;
  }

  /**
   * The `interviewCompleted` signal, by the same rule as the update (message-rules.ts,
   * `completionVerdict`): what it refuses is recorded, a repeat for a session already marked
   * changes nothing.
   */
  interviewCompleted(message: unknown): void {
    const parsed = checkInterviewCompleted(message);
    if (!parsed.ok) return this.reject('interviewCompleted', parsed.problems.join('; '));
    const { versionId } = parsed.value;
    const verdict = completionVerdict(this.state, versionId);
    if (verdict.kind === 'accept') verdict.session.interviewCompleted = true;
    else if (verdict.kind === 'refused' || verdict.session === undefined)
      this.reject('interviewCompleted', verdict.reason, versionId);
  }

  /** The `completeInterview` update's validator: synchronous, so a refusal is never written to history. */
  validateCompleteInterview(request: CompleteInterviewRequest | undefined): void {
    const verdict = this.completionOf(request);
    if (verdict.kind === 'refused') throw completionRefused(verdict.reason);
  }

  /** The `completeInterview` update: marks the session its validator let through. */
  completeInterview(request: CompleteInterviewRequest | undefined): CompleteInterviewResult {
    const verdict = this.completionOf(request);
    if (verdict.kind === 'refused') throw completionRefused(verdict.reason);
    if (verdict.kind === 'accept') verdict.session.interviewCompleted = true;
    const outcome = verdict.kind === 'accept' ? 'accepted' : 'already-finished';
    // A completed session is no longer in state: the request named it.
    return { outcome, versionId: verdict.session?.versionId ?? request?.versionId ?? '' };
  }

  private completionOf(request: CompleteInterviewRequest | undefined): CompletionVerdict<RequestedSession> {
    const parsed = checkCompleteInterviewRequest(request);
    if (!parsed.ok) return { kind: 'refused', reason: parsed.problems.join('; ') };
    return completionVerdict(this.state, parsed.value.versionId);
  }

  requestFollowUp(request: FollowUpRequest | undefined): void {
    const closed = this.closedReason();
    if (closed !== undefined) return this.reject('requestFollowUpSession', closed);
    const parsed = checkFollowUpRequest(request);
    if (!parsed.ok) return this.reject('requestFollowUpSession', parsed.problems.join('; '));
    const refused = this.unsupported(parsed.value);
    if (refused !== undefined) return this.reject('requestFollowUpSession', refused);
    if (this.isRepeat(request))
      return this.reject('requestFollowUpSession', `request ${request?.requestId} was already accepted`);
    const full = this.queueFull(parsed.value);
    if (full !== undefined && patched(PATCH_BOUNDED_FOLLOW_UP_QUEUE))
      return this.reject('requestFollowUpSession', full);
    this.enqueue(request, 'signal');
  }

  /** The update: queues a session and waits until it has begun. */
  async beginFollowUp(request: FollowUpRequest): Promise<BegunSessionInfo> {
    // A repeat (after continue-as-new the server no longer deduplicates the update id) waits for
    // the same session.
    const session = this.requestedBefore(request?.requestId) ?? this.enqueue(request, 'update');
    await condition(() => this.updateOutcomes.has(session.requestId));
    const outcome = this.updateOutcomes.get(session.requestId);
    if (outcome === undefined || 'error' in outcome) {
      throw ApplicationFailure.create({
        type: FailureType.FollowUpSessionNotBegun,
        message: outcome?.error ?? 'the follow-up session was not begun',
        nonRetryable: true,
      });
    }
    return outcome;
  }

  /** The update's validator: synchronous, so a refusal is never written to history. */
  validateBeginFollowUp(request: FollowUpRequest): void {
    const closed = this.closedReason();
    if (closed !== undefined) throw new Error(`beginFollowUpSession refused: ${closed}`);
    const parsed = checkFollowUpRequest(request);
    if (!parsed.ok) throw new Error(`beginFollowUpSession refused: ${parsed.problems.join('; ')}`);
    const refused = this.unsupported(parsed.value);
    if (refused !== undefined) throw new Error(`beginFollowUpSession refused: ${refused}`);
    if (this.isRepeat(request) && this.requestedBefore(request.requestId) === undefined) {
      throw new Error(`beginFollowUpSession refused: request ${request.requestId} was already carried out`);
    }
    // A repeat waits for the session already queued, so only a new request can overflow the queue.
    const full =
      this.requestedBefore(request?.requestId) === undefined ? this.queueFull(parsed.value) : undefined;
    if (full !== undefined) throw new Error(`beginFollowUpSession refused: ${full}`);
  }

  finish(): void {
    if (isTerminal(this.state.stage))
      return this.reject('finish', `the lifecycle has ended (${this.state.stage})`);
    if (this.state.finishRequested) return this.reject('finish', 'finish was already requested');
    this.state.finishRequested = true;
  }

  /**
   * Advance v2.0 called back for a version: if it is the active one, read its status now. Once
   * per version: the callback URL is single-use, so a repeat (or a race of two gateway replicas)
   * changes nothing.
   */
  advanceCallback(message: unknown): void {
    const versionId = (message as { versionId?: unknown } | undefined)?.versionId;
    const active = this.state.active;
    if (typeof versionId !== 'string' || active?.versionId !== versionId) return;
    // Before the patch a repeat asked for another status read: histories that hold one replay so.
    if (active.callbackAt !== undefined && patched(PATCH_SINGLE_USE_CALLBACK)) return;
    active.callbackAt ??= nowIso();
    active.callbackReceived = true;
  }

  /**
   * Advance's webhook reported an event on this work item: the active version's status is read at
   * the next chance (v2.0; v1.1 has no status to read). The payload is never trusted for the
   * outcome: only the status read decides.
   */
  advanceWebhook(_message: unknown): void {
    const active = this.state.active;
    if (active === undefined || this.state.protocol?.versionStatus !== true) return;
    // Lifecycles from before the webhook, replayed with a signal an older worker left unhandled.
    if (!patched(PATCH_STATUS_READS_AT_INTERVIEW)) return;
    active.readRequested = true;
  }

  /** A session has begun: an update waiting for it returns. */
  sessionBegun(session: RequestedSession, info: BegunSessionInfo): void {
    if (session.via === 'update') this.updateOutcomes.set(session.requestId, info);
  }

  /** Every update still waiting for a session gets an answer before the run ends. */
  settleWaitingUpdates(reason: string): void {
    const waiting = [...this.state.queue, ...(this.state.active === undefined ? [] : [this.state.active])];
    for (const session of waiting) {
      if (session.via === 'update' && !this.updateOutcomes.has(session.requestId))
        this.updateOutcomes.set(session.requestId, { error: reason });
    }
  }

  /** What the tenancy's protocol cannot do for this request (v2.0: complete without assembly). */
  private unsupported(request: FollowUpRequest): string | undefined {
    const runAssembly = request.runAssembly ?? this.options.runAssembly;
    if (!runAssembly && this.state.protocol?.completeWithoutAssembly === false) {
      return `runAssembly: false is not possible on this tenancy's Advance API (${this.state.protocol.apiVersion})`;
    }
    return undefined;
  }

  /** Why the queue cannot take this request (followUpLimits), if it cannot. */
  private queueFull(request: FollowUpRequest): string | undefined {
    const limits = this.options.followUpLimits;
    const maxQueued = limits?.queued ?? LIMITS.queuedFollowUps;
    if (this.state.queue.length >= maxQueued) return MESSAGES.followUpQueueFull(this.state.queue.length);
    const maxBytes = limits?.queuedAnswerXmlBytes ?? LIMITS.queuedAnswerXmlBytes;
    const bytes = [...this.state.queue, request].reduce(
      (sum, r) => sum + (r.answerXml === undefined ? 0 : utf8Bytes(r.answerXml)),
      0,
    );
    return bytes > maxBytes ? MESSAGES.followUpAnswersTooLarge(bytes, maxBytes) : undefined;
  }

  private reject(name: string, reason: string, versionId?: string): void {
    const record = { name, reason: truncate(reason, MAX_REASON_CHARS), at: nowIso(), versionId };
    recordBounded(this.state.rejected, record, MAX_REJECTED);
  }

  private closedReason(): string | undefined {
    if (isTerminal(this.state.stage)) return `the lifecycle has ended (${this.state.stage})`;
    if (this.state.finishRequested) return 'the lifecycle is finishing';
    return undefined;
  }

  /** The session already requested under the caller's request id, if any. */
  private requestedBefore(requestId: string | undefined): RequestedSession | undefined {
    if (requestId === undefined) return undefined;
    const active = this.state.active === undefined ? [] : [this.state.active];
    return [...active, ...this.state.queue].find((r) => r.requestId === requestId);
  }

  private isRepeat(request: FollowUpRequest | undefined): boolean {
    const requestId = checkFollowUpRequest(request).ok ? request?.requestId : undefined;
    return requestId !== undefined && (this.state.requestIds ?? []).includes(requestId);
  }

  private enqueue(request: FollowUpRequest | undefined, via: 'signal' | 'update'): RequestedSession {
    const parsed = checkFollowUpRequest(request);
    const value = parsed.ok ? parsed.value : {};
    if (value.requestId !== undefined) {
      this.state.requestIds ??= [];
      recordBounded(this.state.requestIds, value.requestId, MAX_REQUEST_IDS);
    }
    const session: RequestedSession = {
      requestId: value.requestId ?? uuid4(),
      versionId: uuid4(),
      answerXml: value.answerXml,
      mode: value.mode ?? this.options.mode,
      runAssembly: value.runAssembly ?? this.options.runAssembly,
      via,
      requestedAt: nowIso(),
      interviewCompleted: false,
    };
    this.state.queue.push(session);
    return session;
  }
}

function completionRefused(reason: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.InterviewCompletionRefused,
    message: `completeInterview refused: ${reason}`,
    nonRetryable: true,
  });
}
