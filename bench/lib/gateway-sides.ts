import { randomBytes } from 'node:crypto';
import type { EmulatorApiVersion } from '../../tools/dev/emulator-env';
import { baselineSource } from './bundles';
import { startGatewayProcess, type GatewayProcess } from './gateway-process';
import type { Rig, RigWorker, WorkerSpec } from './rig';

/** One commit's gateway and worker source (`--baseline REF`), exported for this run. */
export interface Baseline {
  ref: string;
  commit: string;
  file: string;
  sourceRoot: string;
}

/**
 * The lifecycle workers of a before/after run through the gateway: this tree's (`ours`) and one
 * per baseline ref (`baseline0`, …), each on `protocol`, with the baselines they were built from.
 */
export async function lifecycleSides(
  refs: readonly string[],
  protocol: EmulatorApiVersion,
  progress: (line: string) => void,
): Promise<{ specs: WorkerSpec[]; baselines: Baseline[] }> {
  const baselines: Baseline[] = [];
  for (const ref of refs) {
    const source = await baselineSource(ref);
    progress(`baseline ${ref}: gateway and worker of ${source.commit.slice(0, 12)}`);
    baselines.push({ ref, ...source });
  }
  const specs: WorkerSpec[] = [
    { name: 'ours', kind: 'lifecycle', protocol },
    ...baselines.map((b, i): WorkerSpec => ({
      name: `baseline${i}`,
      kind: 'lifecycle',
      protocol,
      bundle: b.file,
      sourceRoot: b.sourceRoot,
    })),
  ];
  return { specs, baselines };
}

/**
 * A gateway process in front of the worker of `spec`, built from the same source, with benchmark
 * settings: `apiKeys` (GATEWAY_API_KEYS), rate limits out of the way (every call comes from one
 * key and one address: the limits would measure themselves), and `env` over them.
 */
export function startSideGateway(
  rig: Rig,
  spec: WorkerSpec,
  apiKeys: string,
  env: Record<string, string>,
): Promise<GatewayProcess> {
  const worker = rig.workers[spec.name] as RigWorker;
  return startGatewayProcess(`${spec.name} gateway`, {
    TEMPORAL_ADDRESS: rig.devServer.address,
    TEMPORAL_NAMESPACE: rig.devServer.namespace,
    TEMPORAL_TASK_QUEUE: worker.taskQueue,
    GATEWAY_PORT: '0',
    GATEWAY_API_KEYS: apiKeys,
    GATEWAY_FINISH_LINK_SECRET: randomBytes(32).toString('hex'),
    GATEWAY_RATE_LIMIT_PER_MINUTE: '1000000',
    GATEWAY_ADDRESS_RATE_LIMIT_PER_MINUTE: '1000000',
    ...(spec.sourceRoot === undefined ? {} : { BENCH_SOURCE_ROOT: spec.sourceRoot }),
    ...env,
  });
}
