import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Where the traced side of a benchmark exports its spans: an OTLP/HTTP endpoint on a loopback
 * socket that reads each export whole, answers it as a collector does (200, an empty protobuf
 * response) and keeps only counts. The worker pays what it pays with a real collector
 * (serialising, batching, the HTTP round trip); the collector's own work is nobody's cost here.
 */
export interface SpanSink {
  /** The OTLP base endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`); traces go to `<url>/v1/traces`. */
  url: string;
  /** Export requests and their bytes so far. */
  stats(): { exports: number; bytes: number };
  close(): Promise<void>;
}

export async function startSpanSink(): Promise<SpanSink> {
  let exports = 0;
  let bytes = 0;
  const server: Server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/v1/traces') exports += 1;
      response.writeHead(request.url === '/v1/traces' ? 200 : 404, {
        'content-type': 'application/x-protobuf',
      });
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => ({ exports, bytes }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
