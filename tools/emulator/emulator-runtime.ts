import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { CallbackSender } from './callback-sender';
import { behaviourPatchSchema, DEFAULT_BEHAVIOUR, mergeBehaviour, type EmulatorBehaviour } from './behaviour';
import { DuplicateLog } from './duplicate-log';
import { faultsConfigSchema } from './fault-config';
import { FaultInjector, type ActiveFaults } from './fault-injector';
import { EmulatorHttpError } from './http-error';
import { LoginTally } from './login-tally';
import type { ResolvedEmulatorOptions } from './options';
import { RequestLog } from './request-log';
import { TokenIssuer } from './token-issuer';
import { normaliseGuid } from './guid';
import { completionTiming, scheduleVersionWebhooks } from './routes/completion-answer';
import { WebhookSender } from './webhook-sender';
import type { VersionRecord } from './work-item-model';
import { WorkItemStore } from './work-item-store';
import { describeZodIssues } from './zod-issues';

/**
 * Everything one running emulator holds: the model, tokens, switches, faults and the logs.
 * Routes and the programmatic API both work through it, so HTTP control and code control agree.
 */
export class EmulatorRuntime {
  readonly store = new WorkItemStore();
  readonly tokens: TokenIssuer;
  readonly faults = new FaultInjector();
  readonly requestLog = new RequestLog();
  readonly duplicates = new DuplicateLog();
  readonly logins = new LoginTally();
  readonly callbacks: CallbackSender;
  /** Advance's own webhooks, once registered (control `PUT webhook`). */
  readonly webhooks: WebhookSender;
  behaviour: EmulatorBehaviour;
  /** Origin for generated links; known once the server listens. */
  publicUrl = '';
  /** The service principal's password: rotatable, as an administrator rotates it in Advance. */
  principalPassword: string;
  private readonly shutdown = abortControllerForManyWaiters();
  /** Aborted (and replaced) to cut every delay under way short: `releaseDelays()`. */
  private release = abortControllerForManyWaiters();
  private delaysUnderWay = 0;

  constructor(readonly options: ResolvedEmulatorOptions) {
    this.tokens = new TokenIssuer({
      format: options.tokenFormat,
      lifetimeSeconds: options.tokenLifetimeSeconds,
      clientName: options.clientName,
      principalName: options.principalName,
      scope: options.scope,
    });
    this.principalPassword = options.principalPassword;
    this.behaviour = this.initialBehaviour();
    this.faults.configure(options.faults ?? {});
    this.callbacks = new CallbackSender((message) => this.log(message));
    this.webhooks = new WebhookSender((message) => this.log(message));
  }

  log(message: string): void {
    this.options.logger?.(message);
  }

  /** Merges a partial behaviour over the current one; throws a 400 error listing every problem. */
  setBehaviour(patch: unknown): EmulatorBehaviour {
    const parsed = behaviourPatchSchema.safeParse(patch ?? {});
    if (!parsed.success)
      throw EmulatorHttpError.badRequest(`Invalid behaviour:\n${describeZodIssues(parsed.error)}`);
    this.behaviour = mergeBehaviour(this.behaviour, parsed.data);
    return { ...this.behaviour };
  }

  /** Replaces the fault configuration (rules, script, seed) and restarts the PRNG. */
  setFaults(config: unknown): ActiveFaults {
    const parsed = faultsConfigSchema.safeParse(config ?? {});
    if (!parsed.success)
      throw EmulatorHttpError.badRequest(`Invalid faults:\n${describeZodIssues(parsed.error)}`);
    this.faults.configure(parsed.data);
    return this.faults.active();
  }

  /**
   * A user completes the version in Advance's own web app (or submits a client interview): it
   * completes as a v2.0 Complete would, with no API call, and the webhook (if registered) fires.
   * Undefined when the work item is unknown or the version is not in progress.
   */
  completeInAdvance(workItemId: string, versionId: string): VersionRecord | undefined {
    const item = this.store.find(normaliseGuid(workItemId));
    if (item === undefined) return undefined;
    const outcome = this.store.completeVersion(item, normaliseGuid(versionId), completionTiming(this));
    if (outcome.kind !== 'done') return undefined;
    scheduleVersionWebhooks(this, item, outcome.version);
    return outcome.version;
  }

  /** Back to an empty emulator: no work items, tokens, logs or faults; options and credentials stay. */
  reset(): void {
    this.store.clear();
    this.tokens.clear();
    this.requestLog.clear();
    this.duplicates.clear();
    this.logins.clear();
    this.callbacks.reset();
    this.webhooks.reset();
    this.faults.configure({ seed: this.options.faults?.seed });
    this.faults.clearInjected();
    this.principalPassword = this.options.principalPassword;
    this.behaviour = this.initialBehaviour();
  }

  /**
   * Waits for injected latency; resolves true when it has passed or was released, false when the
   * emulator closes first.
   */
  async delay(ms: number): Promise<boolean> {
    this.delaysUnderWay += 1;
    try {
      await sleep(ms, undefined, { signal: AbortSignal.any([this.shutdown.signal, this.release.signal]) });
    } catch {
      // released or closing: told apart below
    } finally {
      this.delaysUnderWay -= 1;
    }
    return !this.shutdown.signal.aborted;
  }

  /**
   * Ends every injected delay under way now (latency, and the wait of a `reset-then-apply`
   * request): a test decides when a held request goes on. Returns how many it released.
   */
  releaseDelays(): number {
    const released = this.delaysUnderWay;
    this.release.abort();
    this.release = abortControllerForManyWaiters();
    return released;
  }

  get closing(): boolean {
    return this.shutdown.signal.aborted;
  }

  close(): void {
    this.shutdown.abort();
    this.callbacks.close();
    this.webhooks.close();
  }

  interviewJsUrl(coreSessionId: string): string {
    return `${this.publicUrl}/__emulator/interview/${coreSessionId}/interview.js`;
  }

  interviewPageUrl(coreSessionId: string): string {
    return `${this.publicUrl}/__emulator/interview/${coreSessionId}`;
  }

  /** The configured finish URL template with the session's ids filled in, if one is configured. */
  interviewFinishUrl(ids: {
    workItemId: string;
    versionId: string;
    coreSessionId: string;
  }): string | undefined {
    const template = this.options.interviewFinishUrl;
    if (template === undefined) return undefined;
    return template
      .replace(/\{workItemId\}/g, encodeURIComponent(ids.workItemId))
      .replace(/\{versionId\}/g, encodeURIComponent(ids.versionId))
      .replace(/\{coreSessionId\}/g, encodeURIComponent(ids.coreSessionId));
  }

  private initialBehaviour(): EmulatorBehaviour {
    return mergeBehaviour(DEFAULT_BEHAVIOUR, this.options.behaviour);
  }
}

/** Every delayed request listens on the one shutdown signal: more than Node's default ten is normal. */
function abortControllerForManyWaiters(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
