import type { Command } from 'commander';
import { LifecycleClient } from '../client';
import { ConfigError, environmentHelp, loadGatewayConfig } from '../config';
import { startTracing, type Tracing } from '../observability/tracing';
import { tracingClientInterceptors } from '../observability/tracing-client';
import { describeTracing, loadTracingConfig } from '../config/tracing';
import { startGateway, type RunningGateway } from './gateway';

/**
 * Adds `gateway`: runs the HTTP gateway until SIGINT or SIGTERM. Configured only through the
 * environment (GATEWAY_*, and TEMPORAL_* as the lifecycle client reads them), so secrets never
 * sit on a command line.
 */
export function registerGatewayCommand(program: Command): Command {
  return program
    .command('gateway')
    .description(
      'Run the HTTP gateway: REST API over lifecycles (API keys), the interview finish link, ' +
        '/healthz, /readyz and /v1/openapi.json. Configured by the environment (below); ' +
        'SIGHUP re-reads GATEWAY_API_KEYS_FILE.',
    )
    .addHelpText(
      'after',
      '\nExample:\n' +
        '  $ export GATEWAY_API_KEYS="crm:$(printf %s "$KEY" | sha256sum | cut -d" " -f1) tenancies=acme permissions=start,read,interview"\n' +
        '  $ export GATEWAY_FINISH_LINK_SECRET="$(openssl rand -hex 32)"\n' +
        '  $ hotdocs-temporal gateway\n' +
        environmentHelp('gateway'),
    )
    .action(async () => {
      let config;
      let tracingConfig;
      try {
        config = loadGatewayConfig(process.env);
        tracingConfig = loadTracingConfig(process.env, 'hotdocs-gateway');
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        console.error(error.message);
        process.exitCode = 2;
        return;
      }
      const tracing = tracingConfig === undefined ? undefined : startTracing(tracingConfig);
      const lifecycles = await LifecycleClient.connect(process.env, {
        interceptors: tracingClientInterceptors(tracing),
      }).catch(async (error: unknown) => {
        await tracing?.shutdown();
        throw new Error(`cannot reach Temporal: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      });
      let gateway: RunningGateway;
      try {
        gateway = await startGateway({ lifecycles, config, tracing: tracing !== undefined });
      } catch (error) {
        await lifecycles.close();
        await tracing?.shutdown();
        throw error;
      }
      console.log(
        `HotDocs gateway listening on ${gateway.url} (links: ${gateway.publicUrl}, ` +
          `task queue ${lifecycles.taskQueue}, ${config.apiKeys.length} API key(s), ` +
          `tracing ${describeTracing(tracingConfig)}` +
          `${gateway.metricsUrl === undefined ? '' : `, metrics: ${gateway.metricsUrl}`})`,
      );
      closeOnSignals(gateway, lifecycles, tracing);
      // SIGHUP: re-read GATEWAY_API_KEYS_FILE (it is also watched); requests in flight go on.
      process.on('SIGHUP', () => {
        if (config.apiKeysFile === undefined) console.log('SIGHUP: no GATEWAY_API_KEYS_FILE to re-read');
        else gateway.reloadApiKeys();
      });
    });
}

function closeOnSignals(gateway: RunningGateway, lifecycles: LifecycleClient, tracing?: Tracing): void {
  const stop = (signal: NodeJS.Signals): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    console.log(`${signal}: closing the gateway`);
    gateway
      .close()
      .then(() => lifecycles.close())
      .then(() => tracing?.shutdown())
      .then(
        () => console.log('gateway closed'),
        (error: unknown) => {
          console.error('gateway did not close cleanly:', error);
          process.exitCode = 1;
        },
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
