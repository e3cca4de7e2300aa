import net from 'node:net';
import { DefaultLogger } from '@temporalio/worker';
import { findFreePort } from '../../src/observability/free-port';
import { installSdkRuntime } from '../../src/observability/sdk-runtime';

/**
 * The worker's SDK metrics port is picked free, then bound by the SDK: a port another process
 * took in between (two workers starting at once on one host) is replaced by a fresh one.
 */
test('a metrics port taken between its pick and its bind is replaced by a fresh one', async () => {
  expect.assertions(3);
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const takenPort = (taken.address() as net.AddressInfo).port;
  const picks: number[] = [];
  try {
    const port = await installSdkRuntime(new DefaultLogger('ERROR'), true, async (host) => {
      const pick = picks.length === 0 ? takenPort : await findFreePort(host);
      picks.push(pick);
      return pick;
    });
    expect(picks).toHaveLength(2);
    expect(port).toBe(picks[1]);
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
  } finally {
    taken.close();
  }
});
