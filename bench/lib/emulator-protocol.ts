/** Messages between a benchmark and the emulator it runs in a child process (over the fork IPC channel). */

export interface EmulatorStats {
  /** Successful and failed service-principal logins, from the emulator's own counter. */
  logins: number;
  /** TCP connections the emulator's server accepted (`net.server.socket` diagnostics channel). */
  connections: number;
  /** CPU time (user + system) the emulator process has used, in ms. */
  cpuMs: number;
  /** Finished requests per endpoint (`login`, `createWorkItem`, ...), whatever their status. */
  requests: Record<string, number>;
}

export type ParentMessage = { type: 'stats'; id: number } | { type: 'close' };

export type ChildMessage =
  | {
      type: 'ready';
      url: string;
      cloud: { baseUrl: string; authUrl: string };
      /** The cloud-shaped URLs per API version (v1.1 and v2.0 over one state machine). */
      apis: Record<'v1.1' | 'v2.0', { cloud: { baseUrl: string; authUrl: string } }>;
      credentials: { clientName: string; principalName: string; principalPassword: string };
    }
  | { type: 'failed'; message: string }
  | ({ type: 'stats'; id: number } & EmulatorStats);
