import { LifecycleClient } from '../../src/client';
import { loadGatewayConfig } from '../../src/config';
import { startGateway } from '../../src/gateway';

/**
 * Child process of the gateway download memory test: the gateway as `hotdocs-temporal gateway`
 * runs it (configured by GATEWAY_*, DOCUMENT_STORE* and TEMPORAL_* variables), sampling its own RSS
 * while the test downloads from it over a real socket. Apart from jest, whose allocations would
 * blur the figure, and apart from the downloading client, whose buffers are not the gateway's.
 *
 * IPC: it sends `{ ready, url }`; `{ type: 'baseline', collectGarbage? }` collects garbage, takes
 * the baseline and starts sampling every 5 ms (answer `{ type: 'baseline' }`), collecting garbage
 * before each sample when asked to; `{ type: 'report' }` answers the peak growth.
 *
 *   node --expose-gc --require tsx/cjs test/support/gateway-memory-probe.ts
 */

interface ProbeReport {
  type: 'report';
  baselineRss: number;
  peakGrowth: number;
}

async function main(): Promise<void> {
  const lifecycles = await LifecycleClient.connect(process.env);
  const gateway = await startGateway({ lifecycles, config: loadGatewayConfig(process.env), log: false });
  let baseline = 0;
  let peak = 0;
  let timer: NodeJS.Timeout | undefined;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (message: { type?: string; collectGarbage?: boolean }) => {
    if (message.type === 'baseline') {
      gc?.();
      baseline = process.memoryUsage.rss();
      peak = baseline;
      timer = setInterval(() => {
        // With collectGarbage, buffers already sent are freed as they go: what remains is what
        // the gateway holds. Collected before every sample: at 240 MiB/s a 25 ms gap lets about
        // 6 MiB of chunks already sent pile up, which the figure would count as held. Without it,
        // the figure includes garbage V8 has not collected yet.
        if (message.collectGarbage === true) gc?.();
        sample();
      }, 5);
      process.send?.({ type: 'baseline' });
    } else if (message.type === 'report') {
      clearInterval(timer);
      sample();
      const report: ProbeReport = { type: 'report', baselineRss: baseline, peakGrowth: peak - baseline };
      process.send?.(report);
    } else if (message.type === 'stop') {
      void gateway
        .close()
        .then(() => lifecycles.close())
        .then(() => process.exit(0));
    }
  });
  process.send?.({ ready: true, url: gateway.url });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
