import type { WorkerProcess } from './worker-process';

/**
 * Sessions that workers report as begun (their `beginSession` activity returned), by workflow
 * id. A benchmark either waits for one lifecycle's session, to report its interview complete at
 * once, or reads the version ids of many once they are all parked.
 */
export class BegunSessions {
  private readonly versions = new Map<string, string>();
  private readonly waiters = new Map<string, (versionId: string) => void>();

  constructor(workers: WorkerProcess[]) {
    for (const worker of workers)
      worker.onBegun((workflowId, versionId) => this.record(workflowId, versionId));
  }

  get size(): number {
    return this.versions.size;
  }

  versionOf(workflowId: string): string | undefined {
    return this.versions.get(workflowId);
  }

  /** The version id of the session `workflowId` begins next (or began already, unclaimed). */
  next(workflowId: string, timeoutMs: number): Promise<string> {
    const known = this.versions.get(workflowId);
    if (known !== undefined) {
      this.versions.delete(workflowId);
      return Promise.resolve(known);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(workflowId);
        reject(new Error(`no session of ${workflowId} began within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(workflowId, (versionId) => {
        clearTimeout(timer);
        resolve(versionId);
      });
    });
  }

  forget(): void {
    this.versions.clear();
  }

  private record(workflowId: string, versionId: string): void {
    const waiter = this.waiters.get(workflowId);
    if (waiter !== undefined) {
      this.waiters.delete(workflowId);
      waiter(versionId);
    } else {
      this.versions.set(workflowId, versionId);
    }
  }
}
