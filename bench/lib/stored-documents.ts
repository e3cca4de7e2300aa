import type { WorkerProcess } from './worker-process';

/**
 * When each lifecycle's documents were stored, as its worker reports it (the `storeDocuments`
 * activity returned), on this process's clock (`performance.now()`). The end of the latency
 * from `interviewCompleted` (or the start, in batch) to the documents in the store.
 */
export class StoredDocuments {
  private readonly arrived = new Map<string, number>();
  private readonly waiters = new Map<string, (at: number) => void>();

  constructor(workers: WorkerProcess[]) {
    for (const worker of workers) worker.onStored((workflowId) => this.record(workflowId));
  }

  /** When `workflowId` stored its documents next (or already did, unclaimed). */
  next(workflowId: string, timeoutMs: number): Promise<number> {
    const known = this.arrived.get(workflowId);
    if (known !== undefined) {
      this.arrived.delete(workflowId);
      return Promise.resolve(known);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(workflowId);
        reject(new Error(`${workflowId} stored no documents within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(workflowId, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }

  private record(workflowId: string): void {
    const at = performance.now();
    const waiter = this.waiters.get(workflowId);
    if (waiter !== undefined) {
      this.waiters.delete(workflowId);
      waiter(at);
    } else {
      this.arrived.set(workflowId, at);
    }
  }
}
