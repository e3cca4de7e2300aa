import type { LifecycleResult } from '../../src/workflows/lifecycle-status';
import type { FloorResult } from '../floor/workflows';
import type { PeerResult } from '../peer/workflows';
import { benchmarkInput, type Rig, type RigWorker } from './rig';

export type LifecycleKind = 'interview' | 'batch';

/** A lifecycle that takes longer than this is counted as failed (a p99 is seconds, even under load). */
export const LIFECYCLE_TIMEOUT_MS = 120_000;

export interface Outcome {
  workflowId: string;
  documents: number;
  /**
   * From `interviewCompleted` sent (interview) or the start (batch) until the worker reported the
   * documents stored, ms.
   */
  toStoredMs: number;
}

/** Drives one lifecycle of a side (`ours`, a baseline, the floor) with business key `key`. */
export type Driver = (key: string, kind: LifecycleKind) => Promise<Outcome>;

/** One real lifecycle on `worker`, driven the way a business system and the interview page drive it. */
export function lifecycleDriver(rig: Rig, worker: RigWorker): Driver {
  const lifecycles = rig.clientFor(worker.spec.name);
  return async (key, kind) => {
    const workflowId = `assembly-${key}`;
    const begun = kind === 'interview' ? rig.begun.next(workflowId, LIFECYCLE_TIMEOUT_MS) : undefined;
    begun?.catch(() => undefined); // awaited below; a failed start must not leave it unhandled
    const stored = rig.stored.next(workflowId, LIFECYCLE_TIMEOUT_MS);
    stored.catch(() => undefined);
    let from = performance.now();
    const started = await lifecycles.start(benchmarkInput(key, kind));
    if (begun !== undefined) {
      const versionId = await begun;
      from = performance.now();
      await lifecycles.interviewCompleted(started.lifecycleId, versionId);
    }
    const result: LifecycleResult = await lifecycles.result(started.lifecycleId);
    if (result.outcome !== 'completed') throw new Error(`${workflowId} ended ${result.outcome}`);
    return {
      workflowId,
      documents: result.sessions.reduce((t, s) => t + s.documents.length, 0),
      toStoredMs: (await stored) - from,
    };
  };
}

/** One floor lifecycle on `worker`, driven the same way. */
export function floorDriver(rig: Rig, worker: RigWorker): Driver {
  return plainDriver(rig, worker, 'floorLifecycle', 'floor');
}

/** One peer lifecycle on `worker`, driven the same way. */
export function peerDriver(rig: Rig, worker: RigWorker): Driver {
  return plainDriver(rig, worker, 'peerLifecycle', 'peer');
}

/** A workflow of the floor's or the peer's shape: started, signalled, awaited by its handle. */
function plainDriver(rig: Rig, worker: RigWorker, workflowType: string, prefix: string): Driver {
  return async (key, kind) => {
    const workflowId = `${prefix}-${key}`;
    const begun = kind === 'interview' ? rig.begun.next(workflowId, LIFECYCLE_TIMEOUT_MS) : undefined;
    begun?.catch(() => undefined);
    const stored = rig.stored.next(workflowId, LIFECYCLE_TIMEOUT_MS);
    stored.catch(() => undefined);
    let from = performance.now();
    const handle = await rig.temporal.workflow.start(workflowType, {
      workflowId,
      taskQueue: worker.taskQueue,
      args: [benchmarkInput(key, kind)],
    });
    if (begun !== undefined) {
      const versionId = await begun;
      from = performance.now();
      await handle.signal('interviewCompleted', { versionId });
    }
    const result = (await handle.result()) as FloorResult | PeerResult;
    if (result.outcome !== 'completed') throw new Error(`${workflowId} ended ${String(result.outcome)}`);
    return {
      workflowId,
      documents: result.sessions.reduce((t, s) => t + s.documents.length, 0),
      toStoredMs: (await stored) - from,
    };
  };
}
