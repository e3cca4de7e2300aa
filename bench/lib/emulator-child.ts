/**
 * Runs the emulator in its own process, so that a benchmark's client and the server it calls do
 * not share one event loop (and one core). Started by `emulator-process.ts`; talks over IPC only,
 * so nothing it does shows up in the parent's stdout.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { startEmulator } from '../../tools/emulator';
import { reportChildFailure } from './child-ipc';
import type { ChildMessage, ParentMessage } from './emulator-protocol';

// The emulator does not expose its server's `connection` events; Node publishes every accepted
// socket on this channel, and the emulator is the only server in this process.
let connections = 0;
diagnosticsChannel.subscribe('net.server.socket', () => {
  connections += 1;
});

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  if (process.send === undefined) throw new Error('emulator-child must be started with child_process.fork');
  const emulator = await startEmulator({ port: 0 });
  let closing: Promise<void> | undefined;
  const shutdown = (): void => {
    closing ??= emulator.close().finally(() => process.disconnect?.());
  };

  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stats') {
      const requests = Object.fromEntries(
        Object.entries(emulator.counts()).map(([endpoint, count]) => [endpoint, count.total]),
      );
      send({
        type: 'stats',
        id: message.id,
        logins: emulator.logins().total,
        connections,
        cpuMs: cpuMs(),
        requests,
      });
    } else {
      shutdown();
    }
  });
  // The parent went away (finished or crashed): do not outlive it.
  process.on('disconnect', shutdown);

  const apis = {
    'v1.1': { cloud: emulator.apis['v1.1'].cloud },
    'v2.0': { cloud: emulator.apis['v2.0'].cloud },
  };
  send({ type: 'ready', url: emulator.url, cloud: emulator.cloud, apis, credentials: emulator.credentials });
}

main().catch((error: unknown) => reportChildFailure(error, false));
