/** Messages between a benchmark and the gateway it runs in a child process (fork IPC channel). */

export type GatewayParentMessage = { type: 'calls'; id: number } | { type: 'close' };

export type GatewayChildMessage =
  /** The gateway listens at `url`. */
  | { type: 'ready'; url: string }
  | { type: 'failed'; message: string }
  /** The Temporal calls the gateway's client made so far, by gRPC method. */
  | { type: 'calls'; id: number; calls: Record<string, number> };
