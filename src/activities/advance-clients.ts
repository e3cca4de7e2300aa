import type { AdvanceClient } from '../advance';
import { FailureType } from '../workflows/failure-types';
import { permanentFailure } from './failures';

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

  all(): AdvanceClient[] {
    return [...this.byTenancy.values()];
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((client) => client.close()));
  }
}
