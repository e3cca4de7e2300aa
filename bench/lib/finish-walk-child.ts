/**
 * One Finish walked from the browser's POST to the stored documents, in one process (gateway,
 * client, worker — its workflows in the main thread, `debugMode` — Advance client and document
 * store), with V8's precise coverage on for the walk only: the source files whose functions ran
 * are the files a reader follows. The workflow code runs from its bundle; its functions are
 * mapped back to their files through the bundle's inline source map.
 *
 * Built from this tree or from a baseline commit's `src/` (BENCH_SOURCE_ROOT). Configured by the
 * environment: TEMPORAL_ADDRESS, the ADVANCE_* variables of the emulator, WORKFLOW_BUNDLE_PATH,
 * DOCUMENT_STORE_DIR. Sends `{ type: 'walk', files }` (paths relative to the source root).
 */
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { request } from 'undici';
import { loadTemporalConnection } from '../../src/config';
import { sha256Hex } from '../../src/security/hashed-credentials';
import type { LifecycleClient } from '../../src/client';
import { runChildToEnd } from './child-ipc';
import { sourceAt, THIS_TREE } from './source-root';
import { benchmarkInput } from './rig';

const KEY = `walk-${randomBytes(16).toString('hex')}`;

async function main(): Promise<void> {
  const root = process.env['BENCH_SOURCE_ROOT'] || THIS_TREE;
  const source = sourceAt(root);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // On before anything is compiled: V8 keeps counts only for code compiled with coverage on.
  const inspector = new Session();
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
  // The connection is this tree's reading of the environment, whichever source is walked.
  const { connectionOptions, namespace } = loadTemporalConnection(process.env);
  const taskQueue = `walk-${randomUUID().slice(0, 8)}`;
  const env = { ...process.env, TEMPORAL_TASK_QUEUE: taskQueue };
  const native = await NativeConnection.connect(connectionOptions);
  const lifecycleWorker = await source.createLifecycleWorker({
    config: source.loadWorkerConfig(env),
    connection: native,
    namespace,
    workerOptions: { debugMode: true },
  });
  const running = lifecycleWorker.run();
  const connection = await Connection.connect(connectionOptions);
  const lifecycles = new source.LifecycleClient(new Client({ connection, namespace }), { taskQueue });
  const gateway = await source.startGateway({
    lifecycles,
    config: source.loadGatewayConfig({
      ...env,
      GATEWAY_PORT: '0',
      GATEWAY_API_KEYS: `walk:${sha256Hex(KEY)}`,
      GATEWAY_FINISH_LINK_SECRET: randomBytes(32).toString('hex'),
    }),
    log: false,
  });
  try {
    await walk(gateway.url, lifecycles); // the first one loads what is loaded lazily
    const finish = await waitingFinish(gateway.url, lifecycles);
    await inspector.post('Profiler.takePreciseCoverage'); // counts from here on
    await finishAndWait(finish, lifecycles);
    const { result } = await inspector.post('Profiler.takePreciseCoverage');
    process.send?.({ type: 'walk', files: filesRun(result, root) });
  } finally {
    await gateway.close();
    lifecycleWorker.worker.shutdown();
    await running;
    await connection.close();
    await native.close();
  }
}

interface Finish {
  id: string;
  url: string;
}

async function walk(gatewayUrl: string, lifecycles: LifecycleClient): Promise<void> {
  await finishAndWait(await waitingFinish(gatewayUrl, lifecycles), lifecycles);
}

async function waitingFinish(gatewayUrl: string, lifecycles: LifecycleClient): Promise<Finish> {
  const { lifecycleId } = await lifecycles.start(
    benchmarkInput(`walk-${randomUUID().slice(0, 8)}`, 'interview'),
  );
  const answer = await request(`${gatewayUrl}/v1/assemblies/${lifecycleId}/interview?wait=true`, {
    headers: { authorization: `Bearer ${KEY}` },
  });
  const body = (await answer.body.json()) as { finishUrl: string };
  return { id: lifecycleId, url: body.finishUrl };
}

/** The Finish, then the lifecycle's end (its documents stored), read from Temporal directly. */
async function finishAndWait(finish: Finish, lifecycles: LifecycleClient): Promise<void> {
  const answer = await request(finish.url, { method: 'POST', body: '' });
  await answer.body.dump();
  if (answer.statusCode !== 200) throw new Error(`Finish answered ${answer.statusCode}`);
  await lifecycles.temporal.workflow.getHandle(finish.id).result();
}

interface ScriptCoverage {
  url: string;
  functions: { functionName: string; ranges: { startOffset: number; count: number }[] }[];
}

/** The source files under `root`/src with a function that ran: plain modules, and the bundle's. */
function filesRun(scripts: ScriptCoverage[], root: string): string[] {
  const src = path.join(root, 'src') + path.sep;
  const bundle = path.resolve(process.env['WORKFLOW_BUNDLE_PATH'] as string);
  const files = new Set<string>();
  for (const script of scripts) {
    const ran = script.functions.filter((f) => (f.ranges[0]?.count ?? 0) > 0);
    if (ran.length === 0) continue;
    if (!script.url.startsWith('file://')) continue;
    const file = fileURLToPath(script.url);
    if (file === bundle) {
      for (const source of bundleFilesRun(ran))
        if (source.startsWith(src)) files.add(path.relative(root, source));
    } else if (file.startsWith(src)) files.add(path.relative(root, file));
  }
  return [...files].sort();
}

const bundleMaps = new Map<string, { map: SourceMap; lineStarts: number[] } | null>();

/** The workflow bundle's functions that ran, as the files they come from (its inline source map). */
function bundleFilesRun(ran: ScriptCoverage['functions']): string[] {
  const bundle = bundleMapOf();
  if (bundle === null) return [];
  const files: string[] = [];
  for (const fn of ran) {
    const offset = fn.ranges[0]?.startOffset ?? 0;
    let line = 0;
    while (line + 1 < bundle.lineStarts.length && (bundle.lineStarts[line + 1] as number) <= offset)
      line += 1;
    const entry = bundle.map.findEntry(line, offset - (bundle.lineStarts[line] as number)) as {
      originalSource?: string;
    };
    if (entry.originalSource !== undefined) files.push(entry.originalSource.replace(/^webpack:\/\//, ''));
  }
  return files;
}

function bundleMapOf(): { map: SourceMap; lineStarts: number[] } | null {
  const file = process.env['WORKFLOW_BUNDLE_PATH'] as string;
  if (!bundleMaps.has(file)) {
    const code = readFileSync(file, 'utf8');
    const inline = /sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)/.exec(
      code,
    );
    if (inline === null) bundleMaps.set(file, null);
    else {
      const map = new SourceMap(JSON.parse(Buffer.from(inline[1] as string, 'base64').toString('utf8')));
      const lineStarts = [0];
      for (let i = code.indexOf('\n'); i !== -1; i = code.indexOf('\n', i + 1)) lineStarts.push(i + 1);
      bundleMaps.set(file, { map, lineStarts });
    }
  }
  return bundleMaps.get(file) ?? null;
}

runChildToEnd(main);
