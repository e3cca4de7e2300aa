import path from 'node:path';
import { askChild, startChild, typeScriptProcess } from '../../tools/process/child-process';
import type { GatewayChildMessage, GatewayParentMessage } from './gateway-protocol';
import { readyOnMessage } from './child-ipc';

export interface GatewayProcess {
  url: string;
  /** The Temporal calls its client made so far, by gRPC method. */
  calls(): Promise<Record<string, number>>;
  /** Interview waits held and updates in flight for them; null for a gateway without pushed waits. */
  waits(): Promise<{ waiting: number; inFlight: number } | null>;
  close(): Promise<void>;
}

/** Starts `gateway-child.ts` (TypeScript via tsx) and waits until it listens. */
export async function startGatewayProcess(
  name: string,
  env: Record<string, string>,
): Promise<GatewayProcess> {
  const { command, args } = typeScriptProcess(path.join(__dirname, 'gateway-child.ts'));
  const { handle, readyMessage } = await startChild<GatewayChildMessage>({
    name,
    command,
    args,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    ipc: true,
    stdout: 'ignore',
    stderr: 'inherit',
    ready: readyOnMessage('ready'),
    readyTimeoutMs: 120_000,
  });
  if (readyMessage?.type !== 'ready') throw new Error(`${name} did not say where it listens`);
  const { child } = handle;
  let nextId = 1;
  return {
    url: readyMessage.url,
    calls: () => {
      const id = nextId++;
      const request: GatewayParentMessage = { type: 'calls', id };
      return askChild(child, request, (message) => {
        const m = message as GatewayChildMessage;
        return m.type === 'calls' && m.id === id ? m.calls : undefined;
      });
    },
    waits: () => {
      const id = nextId++;
      const request: GatewayParentMessage = { type: 'waits', id };
      return askChild(child, request, (message) => {
        const m = message as GatewayChildMessage;
        return m.type === 'waits' && m.id === id ? m.counts : undefined;
      });
    },
    close: async () => {
      const close: GatewayParentMessage = { type: 'close' };
      if (handle.isRunning() && child.connected) child.send(close);
      await handle.exited;
    },
  };
}
