import net from 'node:net';

/**
 * A TCP port that nothing listens on right now, chosen by the OS. Another process can take it
 * before the caller binds it (it happened in CI, two workers starting at once): callers that
 * cannot bind it themselves at once try again with a fresh one (sdk-runtime.ts).
 */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`could not read the port of a probe socket on ${host}`));
        return;
      }
      server.close((error) => (error ? reject(error) : resolve(address.port)));
    });
  });
}
