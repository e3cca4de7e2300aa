import { randomBytes } from 'node:crypto';
import type { RunningEmulator } from '../../tools/emulator';
import type { ProductionCluster } from './cluster';
import { buildFaultReport, type ClusterFaultReport, type FaultEvent, type FaultKind } from './fault-report';
import {
  driveLifecycleThroughGateways,
  GatewayClient,
  planLifecycle,
  type GatewayLifecycleOutcome,
  type LifecycleMode,
  type LifecyclePlan,
} from './gateway-driver';
import { sleep } from './managed-process';
import { SizingSampler } from './sizing';

export interface ClusterFaultRunOptions {
  /** Lifecycles run before any fault, half interview, half batch. @default 8 */
  steadyLifecycles?: number;
  /** Interview lifecycles parked on their interview while PostgreSQL and the server go down. @default 10 */
  parkedLifecycles?: number;
  /** Lifecycles running (half interview, half batch) while faults hit their activities. @default 30 */
  inFlightLifecycles?: number;
  /** Lifecycles driven at once. @default 8 */
  concurrency?: number;
  /** Latency of every Advance call while faults hit running activities. @default [200, 1200] */
  advanceLatencyMs?: [number, number];
  /** How long PostgreSQL stays down on each restart. @default 3000 */
  postgresDownMs?: number;
  /** Everything gives up after this long. @default 600 */
  timeoutSeconds?: number;
  log?: (line: string) => void;
}

/** The faults the run carries out, in order, and in which phase. */
export const PLANNED_FAULTS: ReadonlyArray<{ phase: FaultEvent['phase']; kind: FaultKind }> = [
  { phase: 'parked', kind: 'postgres-restart' },
  { phase: 'parked', kind: 'server-sigkill' },
  { phase: 'parked', kind: 'worker-sigkill' },
  { phase: 'in-flight', kind: 'worker-sigkill' },
  { phase: 'in-flight', kind: 'history-sigkill' },
  { phase: 'in-flight', kind: 'postgres-restart' },
  { phase: 'in-flight', kind: 'gateway-sigkill' },
  { phase: 'in-flight', kind: 'all-workers-sigkill' },
];

/**
 * Lifecycles through the cluster's gateways while its parts fail, then the report of what Advance
 * holds. Three phases: a steady start; interview lifecycles parked on their interviews while
 * PostgreSQL restarts, the whole server is SIGKILLed and a worker dies; lifecycles running
 * activities (every Advance call slowed down) while a worker, the history service, PostgreSQL, a
 * gateway in the middle of requests and finally every worker go down.
 */
export async function runClusterFaults(
  cluster: ProductionCluster,
  emulator: RunningEmulator,
  options: ClusterFaultRunOptions = {},
): Promise<ClusterFaultReport> {
  const log = options.log ?? (() => undefined);
  const startedAt = Date.now();
  const deadline = startedAt + (options.timeoutSeconds ?? 600) * 1000;
  const runTag = randomBytes(3).toString('hex');
  const client = new GatewayClient(
    cluster.gateways.map((g) => g.url),
    cluster.secrets.apiKey,
    deadline,
  );
  const concurrency = options.concurrency ?? 8;
  const postgresDownMs = options.postgresDownMs ?? 3_000;
  const sampler = new SizingSampler(cluster);
  sampler.start();
  const outcomes: GatewayLifecycleOutcome[] = [];
  const faults: FaultEvent[] = [];
  const state = { open: 0, waiting: 0 };
  let index = 0;
  const plans = (phase: string, count: number, modes: LifecycleMode[]): LifecyclePlan[] =>
    Array.from({ length: count }, (_, i) =>
      planLifecycle(runTag, index++, modes[i % modes.length] as LifecycleMode, phase),
    );
  const drive = async (
    plan: LifecyclePlan,
    beforeFinish?: () => Promise<void>,
  ): Promise<GatewayLifecycleOutcome> => {
    state.open += 1;
    try {
      return await driveLifecycleThroughGateways(client, plan, {
        onWaiting: () => (state.waiting += 1),
        beforeFinish: async () => {
          await beforeFinish?.();
          state.waiting -= 1;
        },
      });
    } finally {
      state.open -= 1;
    }
  };

  /** Carries out one fault and records the moment's state. */
  const inject = async (
    phase: FaultEvent['phase'],
    kind: FaultKind,
    action: () => Promise<{ downMs: number; target?: string; gatewayRequestsInFlight?: number }>,
  ): Promise<void> => {
    const moment = {
      at: new Date().toISOString(),
      lifecyclesOpen: state.open,
      lifecyclesWaiting: state.waiting,
      advanceCallsInFlight: emulator.requests().filter((r) => r.status === null && r.fault === undefined)
        .length,
    };
    const done = await action();
    faults.push({ kind, phase, ...moment, ...done });
    log(
      `${phase}: ${kind}${done.target === undefined ? '' : ` (${done.target})`}, back after ${done.downMs} ms`,
    );
  };
  const killWorker = async (index: number): Promise<{ downMs: number; target: string }> => {
    const at = Date.now();
    await cluster.killWorker(index);
    return { downMs: Date.now() - at, target: cluster.workers[index]?.name ?? `worker ${index}` };
  };

  try {
    // ---- steady: both gateways, both workers, nothing fails.
    log('steady: lifecycles through both gateways');
    outcomes.push(
      ...(await pool(
        plans('steady', options.steadyLifecycles ?? 8, ['interview', 'batch']),
        concurrency,
        (p) => drive(p),
      )),
    );

    // ---- parked: interviews wait while the cluster's storage and server go down.
    const parkedPlans = plans('parked', options.parkedLifecycles ?? 10, ['interview']);
    log(`parked: ${parkedPlans.length} lifecycles wait for their interviews`);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const parked = Promise.all(parkedPlans.map((plan) => drive(plan, () => released)));
    while (state.waiting < parkedPlans.length) {
      if (Date.now() > deadline)
        throw new Error(`only ${state.waiting} of ${parkedPlans.length} lifecycles parked`);
      await sleep(200);
    }
    await inject('parked', 'postgres-restart', () => cluster.postgres.restart({ downMs: postgresDownMs }));
    await inject('parked', 'server-sigkill', () => cluster.server.killAllAndRestart(1_000));
    await inject('parked', 'worker-sigkill', () => killWorker(0));
    release();
    outcomes.push(...(await parked));

    // ---- in flight: activities run (slowed down) while parts fail under them.
    const [minLatency, maxLatency] = options.advanceLatencyMs ?? [200, 1_200];
    emulator.setFaults({ seed: 7, rules: [{ endpoint: '*', latencyMs: [minLatency, maxLatency] }] });
    const inFlightPlans = plans('in-flight', options.inFlightLifecycles ?? 30, ['batch', 'interview']);
    log(`in flight: ${inFlightPlans.length} lifecycles, Advance calls take ${minLatency}-${maxLatency} ms`);
    let scheduleDone = false;
    const busy = async (): Promise<void> => {
      // An Advance call in progress: an activity is running on a worker right now.
      const until = Date.now() + 30_000;
      while (emulator.requests().every((r) => r.status !== null) && Date.now() < until) await sleep(50);
    };
    const schedule = (async () => {
      try {
        await sleep(2_000);
        await busy();
        await inject('in-flight', 'worker-sigkill', () => killWorker(1));
        await sleep(2_000);
        await busy();
        await inject('in-flight', 'history-sigkill', () => cluster.server.killAndRestart('history', 1_000));
        await sleep(2_000);
        await busy();
        await inject('in-flight', 'postgres-restart', () =>
          cluster.postgres.restart({ downMs: postgresDownMs }),
        );
        await sleep(2_000);
        await inject('in-flight', 'gateway-sigkill', () => killBusyGateway(cluster, client, deadline));
        await sleep(2_000);
        await busy();
        await inject('in-flight', 'all-workers-sigkill', async () => {
          const at = Date.now();
          await Promise.all(cluster.workers.map((_, i) => cluster.killWorker(i)));
          return { downMs: Date.now() - at, target: 'every worker' };
        });
      } finally {
        scheduleDone = true;
      }
    })();
    // The last lifecycles start only once every fault has happened: each one hits a busy cluster.
    const held = Math.max(1, Math.ceil(inFlightPlans.length / 5));
    const running = pool(inFlightPlans, concurrency, async (plan, i) => {
      if (i >= inFlightPlans.length - held) while (!scheduleDone) await sleep(200);
      return drive(plan);
    });
    await schedule;
    outcomes.push(...(await running));
    emulator.setFaults({});
  } finally {
    emulator.setFaults({});
  }

  const sizing = await sampler.stop();
  return buildFaultReport({
    outcomes,
    state: emulator.state,
    duplicates: emulator.duplicates(),
    faults,
    plannedFaults: PLANNED_FAULTS.map((f) => f.kind),
    traffic: client.traffic,
    exits: [
      ...cluster.workers.flatMap((w) => w.exits),
      ...cluster.gateways.flatMap((g) => g.process.exits),
      ...Object.values(cluster.server.services).flatMap((s) => s.exits),
    ],
    sizing,
    seconds: (Date.now() - startedAt) / 1000,
  });
}

/** SIGKILLs the gateway with the most requests in flight (waiting for one), and starts it again. */
async function killBusyGateway(
  cluster: ProductionCluster,
  client: GatewayClient,
  deadline: number,
): Promise<{ downMs: number; target: string; gatewayRequestsInFlight: number }> {
  for (;;) {
    const busiest = cluster.gateways
      .map((gateway, index) => ({ index, inFlight: client.traffic.inFlight[gateway.url] ?? 0 }))
      .sort((a, b) => b.inFlight - a.inFlight)[0];
    if (busiest !== undefined && busiest.inFlight > 0) {
      const at = Date.now();
      await cluster.killGateway(busiest.index, 1_000);
      return {
        downMs: Date.now() - at,
        target: cluster.gateways[busiest.index]?.process.name ?? '',
        gatewayRequestsInFlight: busiest.inFlight,
      };
    }
    if (Date.now() > deadline) throw new Error('no gateway request was ever in flight to cut');
    await sleep(20);
  }
}

/** Runs `fn` over `items`, `concurrency` at a time; results in the items' order. */
async function pool<T, R>(
  items: T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}
