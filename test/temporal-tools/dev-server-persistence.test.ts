import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { startDevServer, type RunningDevServer } from '../../tools/temporal';
import { echoWorkflow, releaseEchoSignal } from '../fixtures/workflows/echo';
import { uniqueTaskQueue } from '../support/temporal';

/** Runs `use` with a client on `server`, closing the connection afterwards. */
async function withClient<T>(server: RunningDevServer, use: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: server.address });
  try {
    return await use(new Client({ connection, namespace: server.namespace }));
  } finally {
    await connection.close();
  }
}

// `npm run dev` and the chaos run restart the server on the same SQLite file and expect every
// running lifecycle to still be there.
describe('startDevServer with a database file', () => {
  let dataDir: string;
  const servers: RunningDevServer[] = [];

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'temporal-dev-db-'));
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps a running workflow across a stop and a restart', async () => {
    const dbFilename = path.join(dataDir, 'temporal.db');
    const taskQueue = uniqueTaskQueue('persisted-echo');
    const workflowId = `persisted-echo-${randomUUID()}`;

    const first = await startDevServer({ dbFilename });
    servers.push(first);
    // No worker yet: the workflow waits for its first task, which the server must remember.
    await withClient(first, (client) =>
      client.workflow.start(echoWorkflow, { taskQueue, workflowId, args: ['still here'] }),
    );
    await first.stop();

    const second = await startDevServer({ dbFilename });
    servers.push(second);
    const description = await withClient(second, (client) =>
      client.workflow.getHandle(workflowId).describe(),
    );
    expect(description.status.name).toBe('RUNNING');

    // And it can still finish: a worker on the restarted server picks it up.
    const connection = await NativeConnection.connect({ address: second.address });
    try {
      const worker = await Worker.create({
        connection,
        namespace: second.namespace,
        taskQueue,
        workflowsPath: require.resolve('../fixtures/workflows/echo'),
      });
      const result = await worker.runUntil(
        withClient(second, async (client) => {
          const handle = client.workflow.getHandle<typeof echoWorkflow>(workflowId);
          await handle.signal(releaseEchoSignal, '!');
          return handle.result();
        }),
      );
      expect(result).toBe('still here!');
    } finally {
      await connection.close();
    }
  });
});
