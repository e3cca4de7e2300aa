import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got, as sent. */
export interface ReceivedCallback {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A real HTTP server standing in for whoever receives Advance's v2.0 callbacks (the gateway, in
 * production). It answers `status` and keeps every request; `next()` resolves with the next one.
 */
export class CallbackReceiver {
  readonly received: ReceivedCallback[] = [];
  private waiters: Array<(callback: ReceivedCallback) => void> = [];
  /** How many of `received` `next()` has handed out. */
  private taken = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(status = 204): Promise<CallbackReceiver> {
    const holder: { receiver?: CallbackReceiver } = {};
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        response.writeHead(status).end();
        holder.receiver?.accept({
          method: request.method ?? '',
          path: request.url ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.receiver = new CallbackReceiver(server, `http://127.0.0.1:${port}`);
    return holder.receiver;
  }

  /** The next callback (or one already received and not yet taken by `next`). */
  next(): Promise<ReceivedCallback> {
    const taken = this.taken;
    if (taken < this.received.length) {
      this.taken += 1;
      return Promise.resolve(this.received[taken]!);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(callback: ReceivedCallback): void {
    this.received.push(callback);
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.taken += 1;
      waiter(callback);
    }
  }
}
