import path from 'node:path';
import type { LifecycleClient } from '../../src/client';
import type { loadGatewayConfig, loadWorkerConfig } from '../../src/config';
import type { startGateway } from '../../src/gateway';
import type { createLifecycleWorker } from '../../src/worker';

/** This checkout: the source a benchmark child runs unless BENCH_SOURCE_ROOT names another. */
export const THIS_TREE = path.resolve(__dirname, '..', '..');

/** The project's entry points a benchmark child builds its worker, gateway and client from. */
export interface ProjectSource {
  LifecycleClient: typeof LifecycleClient;
  loadGatewayConfig: typeof loadGatewayConfig;
  loadWorkerConfig: typeof loadWorkerConfig;
  startGateway: typeof startGateway;
  createLifecycleWorker: typeof createLifecycleWorker;
}

/**
 * The entry points of `root`'s `src/`: this tree, or a baseline commit's export (see
 * `baselineSource`; tsx compiles it as it loads, its node_modules are this tree's). Each module is
 * loaded when first used, so a worker child does not load the gateway.
 */
export function sourceAt(root: string): ProjectSource {
  /* eslint-disable @typescript-eslint/no-require-imports -- the path is known only at run time */
  const load = (module: string) => require(path.join(root, 'src', module)) as Partial<ProjectSource>;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const from = <K extends keyof ProjectSource>(module: string, name: K): ProjectSource[K] => {
    const found = load(module)[name];
    if (found === undefined) throw new Error(`${root}/src/${module} exports no ${name}`);
    return found;
  };
  return {
    get LifecycleClient() {
      return from('client', 'LifecycleClient');
    },
    get loadGatewayConfig() {
      return from('config', 'loadGatewayConfig');
    },
    get loadWorkerConfig() {
      return from('config', 'loadWorkerConfig');
    },
    get startGateway() {
      return from('gateway', 'startGateway');
    },
    get createLifecycleWorker() {
      return from('worker', 'createLifecycleWorker');
    },
  };
}
