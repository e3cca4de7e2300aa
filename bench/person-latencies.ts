/**
 * The two moments a person waits for, through the gateway as a business system calls it:
 *
 * - start → interview link: `POST /v1/assemblies?wait=interview` until its answer carries the
 *   finish link (a gateway from before that wait: the POST, then `GET …/interview?wait=true`);
 * - Finish → documents downloadable: the browser's POST of the finish link, then
 *   `GET …/result?wait=true` (held until the lifecycle ends), `GET …/documents` and the download of
 *   the first document, until its bytes are in.
 *
 * p50/p99 at concurrency 1 (an idle system) and at `--concurrency` (under load), for this tree and
 * for earlier commits (`--baseline <ref>`: that commit's gateway and worker, same server, same
 * run; rounds alternate the sides). Beside them, Advance's own share: the emulator answers at once
 * (no assembly time configured), so what it adds is its requests and its CPU time per lifecycle.
 *
 *   npx tsx bench/person-latencies.ts [--baseline <git ref>[,...]] [--rounds 3] [--single 10]
 *                                     [--concurrent 32] [--concurrency 32] [--protocol v1.1|v2.0]
 *                                     [--json-only]
 *
 * Prints a table on stderr and the figures as one line of JSON on stdout.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { request } from 'undici';
import { sha256Hex } from '../src/security/hashed-credentials';
import type { EmulatorApiVersion } from '../tools/dev/emulator-env';
import { round } from './lib/cpu';
import type { GatewayProcess } from './lib/gateway-process';
import { lifecycleSides, startSideGateway } from './lib/gateway-sides';
import { percentile as percentileOf } from './lib/load';
import { machineInfo } from './lib/machine';
import { definedOnly, roundsCommandLine } from './lib/options';
import { benchmarkInput, startRig, type Rig, type RigWorker } from './lib/rig';

export interface PersonLatencySettings {
  rounds: number;
  /** Lifecycles per side and round, one at a time. */
  single: number;
  /** Lifecycles per side and round at `concurrency`. */
  concurrent: number;
  concurrency: number;
  protocol: EmulatorApiVersion;
  baselines: readonly string[];
}

export const PERSON_LATENCY_DEFAULTS: PersonLatencySettings = {
  rounds: 3,
  single: 10,
  concurrent: 32,
  concurrency: 32,
  protocol: 'v1.1',
  baselines: [],
};

export interface Percentiles {
  samples: number;
  p50Ms: number;
  p99Ms: number;
}

export interface MomentFigures {
  idle: Percentiles;
  loaded: Percentiles;
}

export interface SideFigures {
  commit?: string;
  startToLink: MomentFigures;
  finishToDocuments: MomentFigures;
  /** Advance's share per lifecycle: requests the emulator served and its CPU time. */
  advance: { requestsPerLifecycle: number; cpuMsPerLifecycle: number };
  failures: number;
}

export interface PersonLatencyResult {
  machine: ReturnType<typeof machineInfo>;
  settings: PersonLatencySettings;
  sides: Record<string, SideFigures>;
}

const KEY = `bench-${randomBytes(16).toString('hex')}`;
const AUTH = { authorization: `Bearer ${KEY}` };

interface Side {
  label: string;
  commit?: string;
  worker: RigWorker;
  gateway: GatewayProcess;
  startToLink: { idle: number[]; loaded: number[] };
  finishToDocuments: { idle: number[]; loaded: number[] };
  emulatorRequests: number;
  emulatorCpuMs: number;
  lifecycles: number;
  failures: number;
}

export async function runPersonLatencyBenchmark(
  options: Partial<PersonLatencySettings> & { progress?: (line: string) => void } = {},
): Promise<PersonLatencyResult> {
  const settings: PersonLatencySettings = { ...PERSON_LATENCY_DEFAULTS, ...definedOnly(options) };
  const progress = options.progress ?? (() => undefined);
  const { specs, baselines } = await lifecycleSides(settings.baselines, settings.protocol, progress);
  const rig = await startRig(specs, progress);
  const sides: Side[] = [];
  try {
    for (const [index, spec] of specs.entries()) {
      const worker = rig.workers[spec.name] as RigWorker;
      const baseline = index === 0 ? undefined : baselines[index - 1];
      const gateway = await startSideGateway(rig, spec, `bench:${sha256Hex(KEY)}`, {
        GATEWAY_WAIT_LIMIT: '5m',
        // The workers' store: the gateway serves the documents they stored.
        DOCUMENT_STORE_DIR: rig.documentDir,
      });
      sides.push({
        label: baseline?.ref ?? 'ours',
        ...(baseline !== undefined && { commit: baseline.commit }),
        worker,
        gateway,
        startToLink: { idle: [], loaded: [] },
        finishToDocuments: { idle: [], loaded: [] },
        emulatorRequests: 0,
        emulatorCpuMs: 0,
        lifecycles: 0,
        failures: 0,
      });
    }
    // Warm-up, not measured: compilation, connections, caches.
    for (const side of sides) await batch(rig, side, 3, 1, 'idle', false);
    for (let r = 0; r < settings.rounds; r += 1) {
      const order = sides.map((_, i) => sides[(i + r) % sides.length] as Side);
      for (const side of order) {
        await batch(rig, side, settings.single, 1, 'idle', true);
        await batch(rig, side, settings.concurrent, settings.concurrency, 'loaded', true);
        progress(
          `round ${r + 1}/${settings.rounds} ${side.label}: start → link p50 ` +
            `${p(side.startToLink.idle, 50)} / ${p(side.startToLink.loaded, 50)} ms, Finish → documents p50 ` +
            `${p(side.finishToDocuments.idle, 50)} / ${p(side.finishToDocuments.loaded, 50)} ms (idle / loaded)`,
        );
      }
    }
    return {
      machine: machineInfo(),
      settings,
      sides: Object.fromEntries(
        sides.map((side) => [
          side.label,
          {
            ...(side.commit !== undefined && { commit: side.commit }),
            startToLink: moment(side.startToLink),
            finishToDocuments: moment(side.finishToDocuments),
            advance: {
              requestsPerLifecycle: round(side.emulatorRequests / Math.max(1, side.lifecycles), 2),
              cpuMsPerLifecycle: round(side.emulatorCpuMs / Math.max(1, side.lifecycles), 2),
            },
            failures: side.failures,
          },
        ]),
      ),
    };
  } finally {
    for (const side of sides) await side.gateway.close().catch(() => undefined);
    await rig.close();
  }
}

/** `count` lifecycles, `concurrency` at a time, each from its start to its documents downloaded. */
async function batch(
  rig: Rig,
  side: Side,
  count: number,
  concurrency: number,
  load: 'idle' | 'loaded',
  measured: boolean,
): Promise<void> {
  const before = await rig.emulator.stats();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) {
        const person = await onePerson(rig, side).catch((error: unknown) => {
          if (measured) side.failures += 1;
          console.error(`${side.label}: ${String(error)}`);
          return undefined;
        });
        if (person === undefined || !measured) continue;
        side.startToLink[load].push(person.startToLinkMs);
        side.finishToDocuments[load].push(person.finishToDocumentsMs);
      }
    }),
  );
  if (!measured) return;
  const after = await rig.emulator.stats();
  const requests = (s: typeof before) => Object.values(s.requests).reduce((a, b) => a + b, 0);
  side.emulatorRequests += requests(after) - requests(before);
  side.emulatorCpuMs += after.cpuMs - before.cpuMs;
  side.lifecycles += count;
}

async function onePerson(
  rig: Rig,
  side: Side,
): Promise<{ startToLinkMs: number; finishToDocumentsMs: number }> {
  const base = side.gateway.url;
  const input = benchmarkInput(`${rig.runId}-person-${randomUUID().slice(0, 8)}`, 'interview');
  const started = performance.now();
  const created = await json(`${base}/v1/assemblies?wait=interview`, {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const id = created['id'] as string;
  let link = (created['interview'] as { finishUrl?: string } | undefined)?.finishUrl;
  // A gateway from before the one-call link: the start, then the held-open interview read.
  link ??= (await json(`${base}/v1/assemblies/${id}/interview?wait=true`, { headers: AUTH }))[
    'finishUrl'
  ] as string;
  const startToLinkMs = performance.now() - started;
  const finished = performance.now();
  await json(link, { method: 'POST', body: '' });
  await json(`${base}/v1/assemblies/${id}/result?wait=true`, { headers: AUTH });
  const { documents } = (await json(`${base}/v1/assemblies/${id}/documents`, { headers: AUTH })) as {
    documents: Array<{ href: string }>;
  };
  const first = documents[0];
  if (first === undefined) throw new Error(`${id}: no documents after its Finish`);
  const download = await request(first.href, { headers: AUTH });
  await download.body.arrayBuffer();
  if (download.statusCode !== 200) throw new Error(`${id}: document download ${download.statusCode}`);
  return { startToLinkMs, finishToDocumentsMs: performance.now() - finished };
}

async function json(
  url: string,
  options: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string },
): Promise<Record<string, unknown>> {
  const answer = await request(url, options);
  const text = await answer.body.text();
  if (answer.statusCode >= 300)
    throw new Error(`${options.method ?? 'GET'} ${url}: ${answer.statusCode} ${text}`);
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

function p(samples: number[], at: number): number {
  return round(percentileOf(Float64Array.from(samples), at), 1);
}

function moment(samples: { idle: number[]; loaded: number[] }): MomentFigures {
  const of = (s: number[]): Percentiles => ({ samples: s.length, p50Ms: p(s, 50), p99Ms: p(s, 99) });
  return { idle: of(samples.idle), loaded: of(samples.loaded) };
}

export function formatPersonLatencyTable(result: PersonLatencyResult): string {
  const { concurrency, protocol } = result.settings;
  const header =
    `side             start → link p50/p99 @1   @${concurrency}          ` +
    `Finish → documents p50/p99 @1   @${concurrency}          Advance: requests, CPU ms / lifecycle`;
  const pair = (f: Percentiles) => `${f.p50Ms} / ${f.p99Ms}`.padEnd(18);
  const rows = Object.entries(result.sides).map(
    ([label, side]) =>
      `${label.padEnd(16)} ${pair(side.startToLink.idle)} ${pair(side.startToLink.loaded)}    ` +
      `${pair(side.finishToDocuments.idle)} ${pair(side.finishToDocuments.loaded)}     ` +
      `${side.advance.requestsPerLifecycle}, ${side.advance.cpuMsPerLifecycle}` +
      (side.failures > 0 ? `  (${side.failures} failed)` : ''),
  );
  return [`What a person waits for (ms), ${protocol}, through the gateway`, header, ...rows].join('\n');
}

async function main(): Promise<void> {
  const line = roundsCommandLine({ warmup: false });
  const result = await runPersonLatencyBenchmark({
    ...line.settings,
    progress: (text) => console.error(text),
  });
  if (!line.jsonOnly) console.error(formatPersonLatencyTable(result));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
