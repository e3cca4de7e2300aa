/**
 * The HTTP gateway in a process of its own, as `hotdocs-temporal gateway` runs it, built from this
 * tree or from a baseline commit's `src/` (BENCH_SOURCE_ROOT), so that the finish benchmark
 * compares the two in one run. Its client counts the calls it makes to Temporal, by gRPC method
 * (the `calls` message): the round trips a route costs.
 *
 * Configured by the environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, the
 * GATEWAY_* variables, BENCH_SOURCE_ROOT.
 */
import { Client, Connection } from '@temporalio/client';
import { loadClientConfig } from '../../src/config';
import { runChildToEnd } from './child-ipc';
import { sourceAt, THIS_TREE } from './source-root';
import type { GatewayChildMessage, GatewayParentMessage } from './gateway-protocol';

/** Counts every call through the connection's WorkflowService, by method name. */
function countCalls(connection: Connection): Record<string, number> {
  const calls: Record<string, number> = {};
  const service = connection.workflowService as unknown as Record<string, unknown>;
  const names = new Set<string>();
  for (let o: object | null = service; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o))
    for (const name of Object.getOwnPropertyNames(o)) names.add(name);
  for (const name of names) {
    const method = service[name];
    if (typeof method !== 'function' || name === 'constructor' || !/^[a-z]/.test(name)) continue;
    if (['rpcCall', 'emit', 'on', 'off', 'once', 'end'].includes(name)) continue;
    service[name] = function (this: unknown, ...args: unknown[]) {
      calls[name] = (calls[name] ?? 0) + 1;
      return (method as (...a: unknown[]) => unknown).apply(service, args);
    };
  }
  return calls;
}

function send(message: GatewayChildMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  if (process.send === undefined) throw new Error('gateway-child must be started with IPC');
  const source = sourceAt(process.env['BENCH_SOURCE_ROOT'] || THIS_TREE);
  // The connection is this tree's reading of the environment, whichever source builds the gateway.
  const { temporal: connect, taskQueue } = loadClientConfig(process.env);
  const connection = await Connection.connect(connect.connectionOptions);
  const calls = countCalls(connection);
  const temporal = new Client({ connection, namespace: connect.namespace });
  const lifecycles = new source.LifecycleClient(temporal, { taskQueue });
  const gateway = await source.startGateway({
    lifecycles,
    config: source.loadGatewayConfig(process.env),
    log: false,
  });
  // A baseline gateway from before pushed waits has no such counter.
  const counter = (gateway as { interviewWaitCounts?: () => { waiting: number; inFlight: number } })
    .interviewWaitCounts;
  const waitCounts = () => (counter === undefined ? null : counter.call(gateway));
  const closed = new Promise<void>((resolve) => {
    const close = () => void gateway.close().then(resolve, resolve);
    process.on('message', (message: GatewayParentMessage) => {
      if (message.type === 'calls') send({ type: 'calls', id: message.id, calls: { ...calls } });
      else if (message.type === 'waits') send({ type: 'waits', id: message.id, counts: waitCounts() });
      else close();
    });
    process.on('disconnect', close);
  });
  send({ type: 'ready', url: gateway.url });
  await closed;
  await connection.close();
}

runChildToEnd(main);
