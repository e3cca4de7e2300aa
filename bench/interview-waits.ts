/**
 * What held-open interview waits cost while they wait. The emulator holds every `beginSession`
 * (a latency fault released on demand), so each lifecycle sits before its interview while the
 * callers wait through the gateway with `GET …/interview?wait=true`:
 *
 * - `one`: `--waits` concurrent waits on ONE lifecycle;
 * - `many`: `--waits` waits spread over `--lifecycles` lifecycles (one each by default);
 * - `caps` (this tree only): `--waits` waits on one lifecycle through a gateway whose caps are
 *   below that (per API key and per process, two keys), so the waits beyond answer 429 / 503.
 *
 * Once every wait is held, a window of `--window` seconds counts what reaches the worker: the
 * gateway's calls to Temporal by gRPC method (each `queryWorkflow` is a query the worker answers,
 * each `updateWorkflowExecution` an update delivered to it) and the worker process's CPU time.
 * Then the begins are released and every wait must answer 200 with the session. `--baseline <ref>`
 * runs that commit's gateway and worker on the same server in the same run (e.g. the commit
 * before pushed waits, whose gateway read the status every 200 ms for each wait).
 *
 *   npx tsx bench/interview-waits.ts [--waits 200] [--lifecycles 200] [--window 15] [--baseline <git ref>[,...]]
 *                                    [--protocol v1.1|v2.0] [--json-only]
 *
 * Prints a table on stderr and the figures as one line of JSON on stdout.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { sha256Hex } from '../src/security/hashed-credentials';
import type { EmulatorApiVersion } from '../tools/dev/emulator-env';
import { CONTROL_BASE_PATH } from '../tools/emulator/endpoints';
import { round } from './lib/cpu';
import type { GatewayProcess } from './lib/gateway-process';
import { lifecycleSides, startSideGateway } from './lib/gateway-sides';
import { machineInfo } from './lib/machine';
import { baselineRefs, definedOnly, intOption, protocolOption } from './lib/options';
import { benchmarkInput, startRig, type Rig, type RigWorker, type WorkerSpec } from './lib/rig';

export interface InterviewWaitSettings {
  /** Waits per phase: all on one lifecycle, then spread over `lifecycles`. */
  waits: number;
  /** Lifecycles the `many` phase spreads its waits over, one each when equal to `waits`. */
  lifecycles: number;
  /** Seconds counted once every wait is held. */
  windowSeconds: number;
  protocol: EmulatorApiVersion;
  baselines: readonly string[];
}

export const INTERVIEW_WAIT_DEFAULTS: InterviewWaitSettings = {
  waits: 200,
  lifecycles: 200,
  windowSeconds: 15,
  protocol: 'v1.1',
  baselines: [],
};

/** What the waits of one phase cost while held, and how they ended. */
export interface PhaseFigures {
  waits: number;
  lifecycles: number;
  /** The gateway's calls to Temporal per second during the window, by gRPC method. */
  callsPerSecond: Record<string, number>;
  /** Queries the worker answered per second (the gateway's `queryWorkflow` calls). */
  queriesPerSecond: number;
  /** Updates delivered to the worker per second (the gateway's `updateWorkflowExecution` calls). */
  updatesPerSecond: number;
  /** The worker process's CPU time per second of the window, ms. */
  workerCpuMsPerSecond: number | null;
  /**
   * The gateway's calls to Temporal over the whole phase, from the first wait sent to the last
   * answer, by gRPC method, and how long that took (s).
   */
  phaseCalls: Record<string, number>;
  phaseSeconds: number;
  /** The gateway's own count of held waits and updates in flight; null for a polling gateway. */
  gatewayWaiting: number | null;
  gatewayInFlight: number | null;
  /** `interviewReady` updates in the lifecycles' histories, all together. */
  historyUpdates: number;
  /** The answers, by HTTP status (and error code where not 200). */
  answers: Record<string, number>;
  /** Answers beyond a cap that carried `Retry-After`. */
  retryAfter: number;
  /** From the release of the begins to the last answer, ms. */
  releaseToLastAnswerMs: number;
}

export interface SideFigures {
  commit?: string;
  one: PhaseFigures;
  many: PhaseFigures;
}

export interface InterviewWaitResult {
  machine: ReturnType<typeof machineInfo>;
  settings: InterviewWaitSettings;
  sides: Record<string, SideFigures>;
  /** This tree's gateway with caps below `waits`: who answered 429 / 503. */
  caps: PhaseFigures & { perApiKey: number; max: number };
}

const KEY_A = `bench-a-${randomBytes(16).toString('hex')}`;
const KEY_B = `bench-b-${randomBytes(16).toString('hex')}`;
/** Generous: with local first attempts, 200 held begins reach Advance in batches of the worker's task slots. */
const HELD_TIMEOUT_MS = 600_000;
/** Longer than any phase: the begin stays held until the bench releases it. */
const HOLD_MS = 600_000;

interface Side {
  label: string;
  commit?: string;
  worker: RigWorker;
  gateway: GatewayProcess;
}

export async function runInterviewWaitBenchmark(
  options: Partial<InterviewWaitSettings> & { progress?: (line: string) => void } = {},
): Promise<InterviewWaitResult> {
  const settings: InterviewWaitSettings = { ...INTERVIEW_WAIT_DEFAULTS, ...definedOnly(options) };
  const progress = options.progress ?? (() => undefined);
  const { specs, baselines } = await lifecycleSides(settings.baselines, settings.protocol, progress);
  const rig = await startRig(specs, progress);
  const gateways: GatewayProcess[] = [];
  // Lifecycles whose begin went out to Advance (and is held there).
  const beginning = new Set<string>();
  for (const worker of Object.values(rig.workers)) worker?.onBeginning((id) => beginning.add(id));
  const startGateway = async (spec: WorkerSpec, env: Record<string, string> = {}) => {
    const keys = `bench-a:${sha256Hex(KEY_A)};bench-b:${sha256Hex(KEY_B)}`;
    const gateway = await startSideGateway(rig, spec, keys, {
      // The waits are held for as long as a phase takes.
      GATEWAY_WAIT_LIMIT: '10m',
      DOCUMENT_STORE_DIR: rig.documentDir,
      ...env,
    });
    gateways.push(gateway);
    return gateway;
  };
  try {
    const sides: Side[] = [];
    for (const [index, spec] of specs.entries()) {
      const baseline = index === 0 ? undefined : baselines[index - 1];
      sides.push({
        label: baseline?.ref ?? 'ours',
        ...(baseline !== undefined && { commit: baseline.commit }),
        worker: rig.workers[spec.name] as RigWorker,
        gateway: await startGateway(spec),
      });
    }
    const figures: Record<string, SideFigures> = {};
    for (const side of sides) {
      const phase = (lifecycles: number, keys: string[]) =>
        runPhase(rig, side, beginning, lifecycles, keys, settings.windowSeconds);
      const one = await phase(
        1,
        Array.from({ length: settings.waits }, () => KEY_A),
      );
      progress(`${side.label} one lifecycle: ${summary(one)}`);
      const many = await phase(
        settings.lifecycles,
        Array.from({ length: settings.waits }, () => KEY_A),
      );
      progress(`${side.label} ${settings.lifecycles} lifecycles: ${summary(many)}`);
      figures[side.label] = { ...(side.commit !== undefined && { commit: side.commit }), one, many };
    }
    // Caps below the waits: key A sends 60 % of them against a per-key cap of half, key B the
    // rest; the process cap of three quarters then turns part of key B's away.
    const perApiKey = Math.floor(settings.waits / 2);
    const max = Math.floor((settings.waits * 3) / 4);
    const ours = sides[0] as Side;
    const capped = await startGateway(specs[0] as WorkerSpec, {
      GATEWAY_WAITS_PER_API_KEY: String(perApiKey),
      GATEWAY_WAITS_MAX: String(max),
    });
    const fromA = Math.floor((settings.waits * 3) / 5);
    const keys = Array.from({ length: settings.waits }, (_, i) => (i < fromA ? KEY_A : KEY_B));
    const caps = await runPhase(
      rig,
      { ...ours, gateway: capped },
      beginning,
      1,
      keys,
      settings.windowSeconds,
    );
    progress(`caps ${perApiKey} per key, ${max} in all: ${summary(caps)}`);
    return { machine: machineInfo(), settings, sides: figures, caps: { ...caps, perApiKey, max } };
  } finally {
    await releaseBegins(rig).catch(() => undefined);
    for (const gateway of gateways) await gateway.close().catch(() => undefined);
    await rig.close();
  }
}

function summary(phase: PhaseFigures): string {
  return (
    `${phase.queriesPerSecond} queries/s, ${phase.updatesPerSecond} updates/s, ` +
    `worker ${phase.workerCpuMsPerSecond ?? '?'} ms CPU/s, answers ${JSON.stringify(phase.answers)}`
  );
}

/**
 * One phase: `lifecycles` lifecycles whose begins the emulator holds, `keys.length` waits spread
 * over them round-robin (each with its key, one key's after another's), the window once every
 * wait is held or answered (a cap's refusal, a status read that timed out), then the release and
 * every answer.
 */
async function runPhase(
  rig: Rig,
  side: Side,
  beginning: ReadonlySet<string>,
  lifecycles: number,
  keys: string[],
  windowSeconds: number,
): Promise<PhaseFigures> {
  await holdBegins(rig);
  const client = rig.clientFor(side.worker.spec.name);
  const ids = await Promise.all(
    Array.from({ length: lifecycles }, async () => {
      const input = benchmarkInput(`${rig.runId}-wait-${randomUUID().slice(0, 8)}`, 'interview');
      return (await client.start(input)).lifecycleId;
    }),
  );
  // The waits start once every begin is held at Advance. The begin's first attempts are local
  // activities, which keep the workflow task open: queries wait for it to close (and may time
  // out: the gateway answers 503 worker-unavailable), as they would for any slow begin.
  await until(
    () => ids.every((id) => beginning.has(id)),
    async () =>
      `every begin held at Advance (${ids.filter((id) => beginning.has(id)).length} of ${ids.length}; ` +
      `emulator requests ${JSON.stringify((await rig.emulator.stats()).requests)})`,
  );
  const callsAtStart = await side.gateway.calls();
  const answers: Record<string, number> = {};
  let retryAfter = 0;
  let answered = 0;
  const waitsSent = performance.now();
  const wait = async (key: string, i: number) => {
    const url = `${side.gateway.url}/v1/assemblies/${ids[i % ids.length]}/interview?wait=true`;
    const answer = await request(url, { headers: { authorization: `Bearer ${key}` } });
    const body = (await answer.body.json()) as { error?: { code?: string } };
    const label = answer.statusCode === 200 ? '200' : `${answer.statusCode} ${body.error?.code ?? ''}`.trim();
    answers[label] = (answers[label] ?? 0) + 1;
    if (answer.statusCode !== 200 && answer.headers['retry-after'] !== undefined) retryAfter += 1;
    answered += 1;
    return performance.now();
  };
  // One key's waits after another's, each once the gateway has held or refused all before, so
  // a cap refuses the same waits in every run.
  const waits: Array<Promise<number>> = [];
  for (const key of new Set(keys)) {
    keys.forEach((k, i) => {
      if (k === key) waits.push(wait(k, i));
    });
    const sent = waits.length;
    // Held: the gateway's own count where it has one; a polling gateway read each status once.
    await until(async () => {
      const counts = await side.gateway.waits();
      if (counts !== null) return counts.waiting + answered === sent;
      const calls = await side.gateway.calls();
      return (calls['queryWorkflow'] ?? 0) - (callsAtStart['queryWorkflow'] ?? 0) + answered >= sent;
    }, `${sent} waits held or answered`);
  }
  const before = await side.gateway.calls();
  const cpuBefore = await side.worker.cpuMs();
  const started = performance.now();
  await sleep(windowSeconds * 1000);
  const after = await side.gateway.calls();
  const cpuAfter = await side.worker.cpuMs();
  const seconds = (performance.now() - started) / 1000;
  const counts = await side.gateway.waits();
  const released = performance.now();
  await releaseBegins(rig);
  const ends = await Promise.all(waits);
  const callsAtEnd = await side.gateway.calls();
  const perSecond = Object.fromEntries(
    Object.entries(after)
      .map(([method, n]) => [method, round((n - (before[method] ?? 0)) / seconds, 2)] as const)
      .filter(([, n]) => n > 0),
  );
  return {
    waits: keys.length,
    lifecycles,
    callsPerSecond: perSecond,
    queriesPerSecond: perSecond['queryWorkflow'] ?? 0,
    updatesPerSecond: perSecond['updateWorkflowExecution'] ?? 0,
    workerCpuMsPerSecond:
      cpuBefore === undefined || cpuAfter === undefined ? null : round((cpuAfter - cpuBefore) / seconds, 1),
    phaseCalls: Object.fromEntries(
      Object.entries(callsAtEnd)
        .map(([method, n]) => [method, n - (callsAtStart[method] ?? 0)] as const)
        .filter(([, n]) => n > 0),
    ),
    phaseSeconds: round((Math.max(...ends) - waitsSent) / 1000, 1),
    gatewayWaiting: counts?.waiting ?? null,
    gatewayInFlight: counts?.inFlight ?? null,
    historyUpdates: await interviewReadyUpdates(rig, ids),
    answers,
    retryAfter,
    releaseToLastAnswerMs: round(Math.max(...ends) - released, 1),
  };
}

/** Every `beginSession` from now on is held by the emulator until `releaseBegins`. */
async function holdBegins(rig: Rig): Promise<void> {
  await control(rig, 'PUT', '/faults', {
    // Enough for every begin and its retries: a held local attempt is retried after its timeout.
    script: [{ endpoint: 'beginSession', fault: 'latency', latencyMs: HOLD_MS, times: 100_000 }],
  });
}

/** Ends the hold: begins under way answer now, later ones are not held. */
async function releaseBegins(rig: Rig): Promise<void> {
  await control(rig, 'PUT', '/faults', {});
  await control(rig, 'POST', '/faults/release');
}

async function control(rig: Rig, method: 'PUT' | 'POST', at: string, body?: unknown): Promise<void> {
  const answer = await request(`${rig.emulator.url}${CONTROL_BASE_PATH}${at}`, {
    method,
    ...(body !== undefined && {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    }),
  });
  const text = await answer.body.text();
  if (answer.statusCode >= 300) throw new Error(`emulator ${method} ${at}: ${answer.statusCode} ${text}`);
}

async function interviewReadyUpdates(rig: Rig, ids: string[]): Promise<number> {
  let total = 0;
  for (const id of ids) {
    const history = await rig.temporal.workflow.getHandle(id).fetchHistory();
    total += (history.events ?? []).filter(
      (e) =>
        e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'interviewReady',
    ).length;
  }
  return total;
}

/** Polls `done` until it holds: the bench waits on the processes' own counts. */
async function until(
  done: () => boolean | Promise<boolean>,
  what: string | (() => Promise<string>),
): Promise<void> {
  const deadline = performance.now() + HELD_TIMEOUT_MS;
  while (!(await done())) {
    if (performance.now() > deadline) {
      const text = typeof what === 'string' ? what : await what();
      throw new Error(`not reached within ${HELD_TIMEOUT_MS} ms: ${text}`);
    }
    await sleep(100);
  }
}

export function formatInterviewWaitTable(result: InterviewWaitResult): string {
  const { waits, windowSeconds, protocol } = result.settings;
  const header =
    'side            phase                  queries/s  updates/s  worker CPU ms/s  held  in flight  ' +
    'whole phase: s  queries  updates  in history  answers';
  const row = (label: string, phase: string, f: PhaseFigures) =>
    [
      label.padEnd(15),
      phase.padEnd(22),
      String(f.queriesPerSecond).padStart(9),
      String(f.updatesPerSecond).padStart(10),
      String(f.workerCpuMsPerSecond ?? '-').padStart(16),
      String(f.gatewayWaiting ?? '-').padStart(5),
      String(f.gatewayInFlight ?? '-').padStart(10),
      String(f.phaseSeconds).padStart(15),
      String(f.phaseCalls['queryWorkflow'] ?? 0).padStart(8),
      String(f.phaseCalls['updateWorkflowExecution'] ?? 0).padStart(8),
      String(f.historyUpdates).padStart(11),
      ' ' +
        Object.entries(f.answers)
          .map(([status, n]) => `${n}×${status}`)
          .join(', '),
    ].join(' ');
  const rows = Object.entries(result.sides).flatMap(([label, side]) => [
    row(label, `${waits} on 1 lifecycle`, side.one),
    row(label, `${waits} on ${result.settings.lifecycles} lifecycles`, side.many),
  ]);
  const { caps } = result;
  return [
    `Held interview waits, ${protocol}, counted over ${windowSeconds} s once all are held`,
    header,
    ...rows,
    row('ours, capped', `${waits} on 1 lifecycle`, caps),
    `caps: ${caps.perApiKey} per API key, ${caps.max} per gateway; ${caps.retryAfter} refusals with Retry-After`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      waits: { type: 'string' },
      lifecycles: { type: 'string' },
      window: { type: 'string' },
      baseline: { type: 'string' },
      protocol: { type: 'string' },
      'json-only': { type: 'boolean', default: false },
    },
  });
  const int = intOption;
  const result = await runInterviewWaitBenchmark({
    waits: int(values.waits),
    lifecycles: int(values.lifecycles) ?? int(values.waits),
    windowSeconds: int(values.window),
    protocol: protocolOption(values.protocol),
    baselines: baselineRefs(values.baseline),
    progress: (line) => console.error(line),
  });
  if (!values['json-only']) console.error(formatInterviewWaitTable(result));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
