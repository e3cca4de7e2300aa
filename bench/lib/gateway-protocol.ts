/** Messages between a benchmark and the gateway it runs in a child process (fork IPC channel). */

export type GatewayParentMessage =
  { type: 'calls'; id: number } | { type: 'waits'; id: number } | { type: 'close' };

export type GatewayChildMessage =
  /** The gateway listens at `url`. */
  | { type: 'ready'; url: string }
  | { type: 'failed'; message: string }
  /** The Temporal calls the gateway's client made so far, by gRPC method. */
  | { type: 'calls'; id: number; calls: Record<string, number> }
  /**
   * Interview waits the gateway holds now and the `interviewReady` updates in flight for them;
   * null for a gateway from before pushed waits (it polls the status for each wait instead).
   */
  | { type: 'waits'; id: number; counts: { waiting: number; inFlight: number } | null };
