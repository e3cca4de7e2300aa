import net from 'node:net';
import { startDevServer } from '../../tools/temporal';

// A server that cannot start must say why at once, with its own words, not time out silently.
describe('startDevServer failures', () => {
  it('reports a server that exits at start-up, with the tail of its stderr', async () => {
    await expect(startDevServer({ extraArgs: ['--no-such-flag'] })).rejects.toThrow(
      /exited with code \d+ before it was ready[\s\S]*Last output:[\s\S]*no-such-flag/,
    );
  });

  it('reports a port that is already taken', async () => {
    // A plain TCP listener that never speaks gRPC; the readiness probe may connect to it.
    const accepted = new Set<net.Socket>();
    const blocker = net.createServer((socket) => accepted.add(socket));
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      await expect(startDevServer({ port })).rejects.toThrow(
        /before it was ready[\s\S]*address already in use/,
      );
    } finally {
      accepted.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('reports a CLI that cannot be run', async () => {
    await expect(startDevServer({ cliPath: '/nonexistent/temporal' })).rejects.toThrow(
      /could not be started: spawn \/nonexistent\/temporal ENOENT/,
    );
  });
});
