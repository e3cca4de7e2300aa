import type { FastifyReply } from 'fastify';
import {
  interviewStillToCome,
  LifecycleClientError,
  type LifecycleClient,
  type LifecycleStatus,
} from '../client';
import { GatewayError } from './errors';
import { SharedWaits, WaitRefused, type WaitCaps } from './shared-waits';
import { withinWaitLimit } from './wait-limit';

/** What a caller refused beyond the wait caps is told to wait before asking again. */
const RETRY_AFTER_SECONDS = 2;

/**
 * The wait until a lifecycle's interview has begun, for the interview route and the start with
 * `?wait=interview`: the `interviewReady` update, pushed by the workflow, with no status reads in
 * between. Concurrent waits for one lifecycle share one update (SharedWaits), capped per API key
 * (`429`) and per gateway (`503`), each with `Retry-After`.
 */
export class InterviewWaits {
  private readonly shared: SharedWaits<LifecycleStatus>;

  constructor(
    private readonly lifecycles: LifecycleClient,
    caps: WaitCaps,
  ) {
    this.shared = new SharedWaits(caps);
  }

  /** Waits held and updates in flight: for the benchmark and operators' curiosity. */
  get counts(): { waiting: number; inFlight: number } {
    return this.shared.counts;
  }

  /**
   * The lifecycle's status once nothing is still to come (its interview has begun, it needs an
   * operator, it ended), or as it stood when the wait limit passed. `status`: as read just before
   * (undefined: not read, as right after a start).
   */
  async untilBegun(
    id: string,
    apiKey: string,
    status: LifecycleStatus | undefined,
    reply: FastifyReply,
    options: { limitMs: number; closing: AbortSignal },
  ): Promise<LifecycleStatus> {
    if (status !== undefined && !stillToCome(status)) return status;
    try {
      const waited = await withinWaitLimit(this.lifecycles, reply, options, async (signal) => {
        let current = status;
        // Ends at once unless the state went back (a repaired lifecycle beginning again).
        while (current === undefined || stillToCome(current))
          current = await this.shared.join(id, apiKey, (shared) => this.readyThenStatus(id, shared), signal);
        return current;
      });
      return waited.timedOut ? (status ?? (await this.lifecycles.status(id))) : waited.value;
    } catch (error) {
      if (!(error instanceof WaitRefused)) throw error;
      void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      throw error.scope === 'owner'
        ? new GatewayError(
            'too-many-waits',
            `This API key holds too many waits: ${error.message}; try again shortly`,
          )
        : new GatewayError(
            'waits-at-capacity',
            `The gateway holds too many waits: ${error.message}; try again shortly`,
          );
    }
  }

  /** One update for every waiter, then one status read: the route answers from the status. */
  private readyThenStatus(id: string, signal: AbortSignal): Promise<LifecycleStatus> {
    return this.lifecycles.temporal.withAbortSignal(signal, async () => {
      try {
        await this.lifecycles.waitForInterview(id);
      } catch (error) {
        // An ended lifecycle: the status says how, and the route answers from it.
        const code = error instanceof LifecycleClientError ? error.code : undefined;
        if (code !== 'request-rejected' && code !== 'lifecycle-closed') throw error;
      }
      return this.lifecycles.status(id);
    });
  }
}

function stillToCome(status: LifecycleStatus): boolean {
  return interviewStillToCome(status.stage, status.activeSession);
}
