/** Messages between a benchmark and the worker it runs in a child process (fork IPC channel). */

export type WorkerKind = 'lifecycle' | 'floor' | 'peer';

export interface WorkerMemory {
  /** Resident set size of the worker process, bytes (`process.memoryUsage().rss`). */
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export type WorkerParentMessage = { type: 'memory'; id: number } | { type: 'close' };

export type WorkerChildMessage =
  /** The worker runs; `maxCachedWorkflows` is its (default) workflow cache size. */
  | { type: 'ready'; maxCachedWorkflows: number }
  | { type: 'failed'; message: string }
  /**
   * A `beginSession` attempt starts: its request to Advance goes out now. `local`: a local
   * activity's attempt (the workflow task stays open meanwhile), else the regular activity's.
   */
  | { type: 'beginning'; workflowId: string; local: boolean }
  /** A `beginSession` activity returned: the interview of `versionId` could now be taken. */
  | { type: 'begun'; workflowId: string; versionId: string }
  /** A `storeDocuments` activity returned: the session's documents are in the store. */
  | { type: 'stored'; workflowId: string }
  | ({ type: 'memory'; id: number } & WorkerMemory);
