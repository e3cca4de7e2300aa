import type { AdvanceClient } from '../advance';
import { FailureType } from '../workflows/failure-types';
import { permanentFailure } from './failures';

/** Where a lifecycle step goes: its tenancy, and whether an operator asked for this attempt. */
export interface OnTenancy {
  tenancy?: string;
  /**
   * The attempt is an operator's retry of a lifecycle that needed attention (`repair retry`):
   * it logs in past the login breaker. Automatic retries leave it out and honour the breaker.
   */
  operatorRetry?: boolean;
}

/**
 * The worker's Advance clients, one per configured tenancy (each with its own token cache and
 * connection pool). A lifecycle names its tenancy; without one it uses the default.
 */
export class AdvanceClients {
  constructor(
    private readonly byTenancy: ReadonlyMap<string, AdvanceClient>,
    readonly defaultTenancy: string,
  ) {
    if (!byTenancy.has(defaultTenancy))
      throw new Error(`default tenancy "${defaultTenancy}" is not configured`);
  }

  get(tenancy: string | undefined): AdvanceClient {
    const name = tenancy ?? this.defaultTenancy;
    const client = this.byTenancy.get(name);
    if (client === undefined) {
      throw permanentFailure(
        FailureType.UnknownTenancy,
        `tenancy "${name}" is not configured on this worker (configured: ${[...this.byTenancy.keys()].join(', ')})`,
      );
    }
    return client;
  }

  /**
   * The client of a step's tenancy. For an operator's retry it first makes sure of a token,
   * logging in past the breaker if need be, so the repair reaches Advance at once even when the
   * same credentials were refused moments ago; a successful login closes the breaker for the
   * tenancy. Automatic retries go on honouring it.
   */
  async forStep(args: OnTenancy, signal: AbortSignal): Promise<AdvanceClient> {
    const client = this.get(args.tenancy);
    if (args.operatorRetry === true) await client.acquireToken({ signal, pastLoginBreaker: true });
    return client;
  }

  all(): AdvanceClient[] {
    return [...this.byTenancy.values()];
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((client) => client.close()));
  }
}
