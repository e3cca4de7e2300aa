import { Runtime, type Logger } from '@temporalio/worker';
import { findFreePort } from './free-port';

/** Fresh ports tried before a refused bind is reported. */
const PORT_TRIES = 5;

/**
 * Installs the SDK's runtime with `logger` and, when `withMetrics`, its Prometheus exporter on a
 * private port of 127.0.0.1, which is returned. The port is picked free and then bound by the
 * runtime, so another process starting at the same moment (a second worker on the host) can take
 * it in between: a bind refused as "address already in use" is tried again on a fresh port.
 */
export async function installSdkRuntime(
  logger: Logger,
  withMetrics: boolean,
  pickPort: (host: string) => Promise<number> = findFreePort,
): Promise<number | undefined> {
  if (!withMetrics) {
    Runtime.install({ logger });
    return undefined;
  }
  for (let attempt = 1; ; attempt += 1) {
    const port = await pickPort('127.0.0.1');
    try {
      Runtime.install({
        logger,
        telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` } } },
      });
      return port;
    } catch (error) {
      if (attempt >= PORT_TRIES || !isAddressInUse(error)) throw error;
    }
  }
}

function isAddressInUse(error: unknown): boolean {
  return /address already in use/i.test(error instanceof Error ? error.message : String(error));
}
