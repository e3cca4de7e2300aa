import path from 'node:path';
import { findFreePort, startDevServer, type RunningDevServer } from '../temporal';

/**
 * The Temporal dev server of a chaos run: SQLite on disk and a port fixed at the first start, so
 * that a restart brings back every running lifecycle at the address clients and workers already use.
 */
export class RestartableDevServer {
  private running?: RunningDevServer;
  private constructor(
    readonly address: string,
    readonly namespace: string,
    private readonly port: number,
    private readonly dbFilename: string,
  ) {}

  static async start(dataDir: string): Promise<RestartableDevServer> {
    const port = await findFreePort('127.0.0.1');
    const host = new RestartableDevServer(
      `127.0.0.1:${port}`,
      'default',
      port,
      path.join(dataDir, 'temporal.db'),
    );
    await host.startProcess();
    return host;
  }

  get pid(): number | undefined {
    return this.running?.pid;
  }

  /**
   * Stops the server (SIGTERM, as an operator's restart would) and starts it again on the same
   * file and port, after `pauseMs` more of outage (an upgrade, a node being replaced).
   */
  async restart(pauseMs = 0): Promise<{ downMs: number }> {
    const stoppedAt = Date.now();
    await this.stop();
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    await this.startProcess();
    return { downMs: Date.now() - stoppedAt };
  }

  async stop(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    await running?.stop();
  }

  private async startProcess(): Promise<void> {
    // The port was free a moment ago but another process may take it while the server is down:
    // try a few times before giving up on the run.
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        this.running = await startDevServer({
          dbFilename: this.dbFilename,
          port: this.port,
          namespace: this.namespace,
          readyTimeoutMs: 60_000,
        });
        return;
      } catch (error) {
        lastError = error;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
    throw lastError;
  }
}
