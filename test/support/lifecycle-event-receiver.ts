import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LifecycleEvent } from '../../src/notifications/lifecycle-events';
import { lifecycleEventReceiver } from '../../src/notifications/webhook-receiver';
import { EVENT_ID_HEADER, type WebhookRefusal } from '../../src/notifications/webhook-signature';

/**
 * A business system's webhook endpoint over a real socket, built from the package's own receiver
 * (`lifecycleEventReceiver`, the code docs/webhooks.md shows), with failures injected around it
 * per event id and attempt:
 *
 * - `error-500`: answers 500 without handling the event;
 * - `drop`: closes the connection without handling or answering;
 * - `hang`: never answers (the sender times out), nothing handled;
 * - `throttle`: answers 429 with `Retry-After: 1`;
 * - `gone`: answers 410 (the endpoint is gone: a refusal the sender must not retry);
 * - `handled-then-drop`: handles the event, then closes the connection instead of answering;
 * - `handled-then-hang`: handles the event, then never answers.
 *
 * The last two are why a receiver must deduplicate: the sender saw no answer and sends again.
 */
export type ReceiverFault =
  'error-500' | 'drop' | 'hang' | 'throttle' | 'gone' | 'handled-then-drop' | 'handled-then-hang';

export interface ReceivedRequest {
  eventId?: string;
  fault?: ReceiverFault;
  /** What the receiver answered; undefined when it dropped or withheld the answer. */
  status?: number;
}

export class LifecycleEventReceiverServer {
  /** Every event handed to the business logic, in order: each id must appear once. */
  readonly handled: LifecycleEvent[] = [];
  readonly requests: ReceivedRequest[] = [];
  readonly refusals: WebhookRefusal[] = [];
  private readonly faults = new Map<string, ReceiverFault[]>();
  /** Fault lists for events whose ids the test cannot know (chosen inside a workflow). */
  private readonly forNextEvents: ReceiverFault[][] = [];
  private readonly known = new Set<string>();
  private readonly held = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(secret: string): Promise<LifecycleEventReceiverServer> {
    const holder: { receiver?: LifecycleEventReceiverServer } = {};
    const server = createServer((request, response) => holder.receiver?.serve(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const receiver = new LifecycleEventReceiverServer(server, `http://127.0.0.1:${port}/hooks/hotdocs`);
    holder.receiver = receiver;
    receiver.handle = lifecycleEventReceiver({
      secret,
      onEvent: (event) => void receiver.handled.push(event),
      onRefusal: (error) => void receiver.refusals.push(error.code),
    });
    return receiver;
  }

  /** The faults of the first, second, ... request for event `eventId`; then it is served normally. */
  inject(eventId: string, faults: ReceiverFault[]): void {
    this.faults.set(eventId, [...faults]);
  }

  /** The faults of the next event that arrives with an id not seen before. */
  injectIntoNextEvent(faults: ReceiverFault[]): void {
    this.forNextEvents.push([...faults]);
  }

  requestsFor(eventId: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.eventId === eventId);
  }

  handledCount(eventId: string): number {
    return this.handled.filter((e) => e.id === eventId).length;
  }

  async close(): Promise<void> {
    for (const response of this.held) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle: (request: IncomingMessage, response: ServerResponse) => void = () => undefined;

  private serve(request: IncomingMessage, response: ServerResponse): void {
    const header = request.headers[EVENT_ID_HEADER];
    const eventId = typeof header === 'string' ? header : undefined;
    if (eventId !== undefined && !this.known.has(eventId)) {
      this.known.add(eventId);
      const next = this.forNextEvents.shift();
      if (next !== undefined && !this.faults.has(eventId)) this.faults.set(eventId, next);
    }
    const fault = eventId === undefined ? undefined : this.faults.get(eventId)?.shift();
    const record: ReceivedRequest = { eventId, fault };
    this.requests.push(record);
    response.on('finish', () => (record.status = response.statusCode));
    switch (fault) {
      case 'error-500':
        return void request.resume().on('end', () => response.writeHead(500).end());
      case 'throttle':
        return void request.resume().on('end', () => response.writeHead(429, { 'retry-after': '1' }).end());
      case 'gone':
        return void request.resume().on('end', () => response.writeHead(410).end());
      case 'drop':
        return void request.socket.destroy();
      case 'hang':
        this.held.add(response);
        return void request.resume();
      case 'handled-then-drop':
        response.end = (() => {
          request.socket.destroy();
          return response;
        }) as ServerResponse['end'];
        return this.handle(request, response);
      case 'handled-then-hang':
        this.held.add(response);
        response.end = (() => response) as ServerResponse['end'];
        return this.handle(request, response);
      default:
        return this.handle(request, response);
    }
  }
}
