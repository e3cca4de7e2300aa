import { workerHttpUrl } from './app-processes';
import type { ProductionCluster } from './cluster';

/** What the cluster used during a run: the figures docs/deploy.md's sizing section quotes. */
export interface SizingFigures {
  historyShards: number;
  /** Temporal server processes (one per service). */
  serverProcesses: number;
  postgres: {
    /** PostgreSQL's `max_connections` for the run. */
    maxConnections: number;
    /** Most client sessions seen at once, in all and by database. */
    peakConnections: number;
    peakByDatabase: Record<string, number>;
    samples: number;
  };
  /** Worker task slots (SDK defaults: the worker sets none), per worker process. */
  workerSlots: Record<'workflow' | 'activity', { available: number; peakUsed: number }>;
}

const SLOT_TYPES = { WorkflowWorker: 'workflow', ActivityWorker: 'activity' } as const;

/**
 * Samples PostgreSQL's sessions and the workers' slot metrics (their `/metrics`) every
 * `intervalMs` until stopped. Sampling failures (a restart in progress) are skipped.
 */
export class SizingSampler {
  private readonly byDatabase: Record<string, number> = {};
  private peakConnections = 0;
  private samples = 0;
  private readonly slots: SizingFigures['workerSlots'] = {
    workflow: { available: 0, peakUsed: 0 },
    activity: { available: 0, peakUsed: 0 },
  };
  private timer?: NodeJS.Timeout;
  private sampling?: Promise<void>;

  constructor(
    private readonly cluster: ProductionCluster,
    private readonly intervalMs = 1_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.sampling ??= this.sample().finally(() => (this.sampling = undefined));
    }, this.intervalMs);
  }

  async stop(): Promise<SizingFigures> {
    clearInterval(this.timer);
    await this.sampling;
    await this.sample();
    return {
      historyShards: this.cluster.historyShards,
      serverProcesses: Object.keys(this.cluster.server.services).length,
      postgres: {
        maxConnections: this.cluster.postgres.maxConnections,
        peakConnections: this.peakConnections,
        peakByDatabase: { ...this.byDatabase },
        samples: this.samples,
      },
      workerSlots: this.slots,
    };
  }

  private async sample(): Promise<void> {
    const connections = await this.cluster.postgres.connections().catch(() => undefined);
    if (connections !== undefined) {
      this.samples += 1;
      const total = Object.values(connections).reduce((sum, n) => sum + n, 0);
      this.peakConnections = Math.max(this.peakConnections, total);
      for (const [database, count] of Object.entries(connections)) {
        this.byDatabase[database] = Math.max(this.byDatabase[database] ?? 0, count);
      }
    }
    for (const worker of this.cluster.workers) {
      const url = worker.running ? workerHttpUrl(worker) : undefined;
      if (url === undefined) continue;
      const text = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2_000) })
        .then((r) => r.text())
        .catch(() => '');
      for (const line of text.split('\n')) {
        const match =
          /^temporal_worker_task_slots_(available|used)\{[^}]*worker_type="(\w+)"[^}]*\} (\d+)/.exec(line);
        const kind = SLOT_TYPES[match?.[2] as keyof typeof SLOT_TYPES];
        if (match === null || kind === undefined) continue;
        const value = Number(match[3]);
        if (match[1] === 'used') this.slots[kind].peakUsed = Math.max(this.slots[kind].peakUsed, value);
        // Available + used is the slot count; available alone is it while idle.
        else this.slots[kind].available = Math.max(this.slots[kind].available, value);
      }
    }
  }
}
