import type { ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { Env } from '../../src/config';
import { spawnChild, typeScriptProcess } from '../process/child-process';
import type { Random } from './plan';

const ROOT = path.resolve(__dirname, '..', '..');
const WORKER_ENTRY = path.join(ROOT, 'src', 'worker.ts');
/** Kept in memory per worker, so an unexpected exit can be reported with its last words. */
const OUTPUT_TAIL_CHARS = 4_000;
const READY_LINE = '"worker started"';

/** Why a worker process ended: our SIGKILL, or on its own (which the fleet answers with a new one). */
export interface WorkerExit {
  workerNo: number;
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Who ended it: the chaos schedule (SIGKILL), the fleet's stop at the end, or nobody — it died. */
  endedBy: 'chaos' | 'stop' | 'itself';
  /** It ended before printing "worker started". */
  beforeReady: boolean;
  uptimeMs: number;
  at: string;
  /** The end of its stdout and stderr (full output in its log file). */
  lastOutput: string;
  logFile: string;
}

interface FleetWorker {
  no: number;
  child: ChildProcess;
  ready: boolean;
  endedBy: WorkerExit['endedBy'];
  startedAt: number;
  tail: string;
  logFile: string;
  exited: Promise<void>;
}

/**
 * Worker processes (`node --require tsx/cjs src/worker.ts`, configured by the environment exactly
 * as `npm start` is), kept at a fixed size: whenever one ends — SIGKILLed by the chaos schedule or
 * dead on its own — a new one is started. Each one's output goes to its own log file.
 */
export class WorkerFleet {
  readonly exits: WorkerExit[] = [];
  /** Worker processes SIGKILLed by the chaos schedule. */
  kills = 0;
  private readonly workers = new Set<FleetWorker>();
  private nextNo = 1;
  private stopping = false;
  /** Consecutive exits on their own, for a growing pause before the next start. */
  private unexpectedStreak = 0;

  constructor(
    private readonly config: {
      env: Env;
      size: number;
      logDir: string;
      log: (line: string) => void;
    },
  ) {}

  /** Starts the fleet and waits until every worker polls. */
  async start(): Promise<void> {
    const started = Array.from({ length: this.config.size }, () => this.spawnWorker());
    await Promise.all(started.map((w) => this.waitReady(w, 120_000)));
  }

  get readyCount(): number {
    return [...this.workers].filter((w) => w.ready).length;
  }

  /** Exits the fleet did not cause: each one is an anomaly worth reading. */
  get unexpectedExits(): WorkerExit[] {
    return this.exits.filter((e) => e.endedBy === 'itself');
  }

  /**
   * SIGKILLs one polling worker (or all of them), like a crashed pod: no shutdown, activities
   * in flight are simply gone. Waits for a polling worker first, so every kill hits a live one.
   */
  async kill(all: boolean, random: Random): Promise<number> {
    const deadline = Date.now() + 120_000;
    while (this.readyCount === 0) {
      if (Date.now() > deadline) throw new Error('no worker became ready within 120 s to be killed');
      await sleep(200);
    }
    const ready = [...this.workers].filter((w) => w.ready);
    const victims = all ? ready : [random.pick(ready)];
    for (const victim of victims) {
      victim.endedBy = 'chaos';
      victim.child.kill('SIGKILL');
      this.kills += 1;
    }
    await Promise.all(victims.map((v) => v.exited));
    return victims.length;
  }

  /** Ends every worker: SIGTERM (short grace in their configuration), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    this.stopping = true;
    const all = [...this.workers];
    for (const w of all) {
      w.endedBy = 'stop';
      w.child.kill('SIGTERM');
    }
    const timer = setTimeout(() => all.forEach((w) => w.child.kill('SIGKILL')), 10_000);
    await Promise.all(all.map((w) => w.exited));
    clearTimeout(timer);
  }

  private spawnWorker(): FleetWorker {
    const no = this.nextNo++;
    const logFile = path.join(this.config.logDir, `worker-${no}.log`);
    const log: WriteStream = createWriteStream(logFile);
    const worker = {
      no,
      ready: false,
      endedBy: 'itself',
      startedAt: Date.now(),
      tail: '',
      logFile,
    } as FleetWorker;
    const handle = spawnChild({
      name: `worker ${no}`,
      ...typeScriptProcess(WORKER_ENTRY),
      cwd: ROOT,
      // Port 0: the fleet runs several workers at once, each needs its own health/metrics port.
      env: { WORKER_HTTP_PORT: '0', ...this.config.env },
      onOutput: (chunk) => {
        log.write(chunk);
        worker.tail = (worker.tail + chunk).slice(-OUTPUT_TAIL_CHARS);
      },
    });
    const child = handle.child;
    worker.child = child;
    worker.exited = handle.exited.then(() => undefined);
    handle.waitReady({ output: READY_LINE }, 120_000).then(
      () => {
        worker.ready = true;
        this.unexpectedStreak = 0;
        this.config.log(`worker ${no} (pid ${child.pid}) polling`);
      },
      // Not ready: it exited (reported by onExit) or hung (reported by waitReady below).
      () => undefined,
    );
    void worker.exited.then(() => {
      log.end();
      this.onExit(worker);
    });
    this.workers.add(worker);
    return worker;
  }

  private onExit(worker: FleetWorker): void {
    this.workers.delete(worker);
    const { child } = worker;
    const exit: WorkerExit = {
      workerNo: worker.no,
      pid: child.pid,
      code: child.exitCode,
      signal: child.signalCode,
      endedBy: worker.endedBy,
      beforeReady: !worker.ready,
      uptimeMs: Date.now() - worker.startedAt,
      at: new Date().toISOString(),
      lastOutput: worker.endedBy === 'itself' ? worker.tail.slice(-1_500) : '',
      logFile: worker.logFile,
    };
    this.exits.push(exit);
    if (this.stopping) return;
    if (worker.endedBy === 'chaos') {
      this.config.log(`worker ${worker.no} (pid ${child.pid}) SIGKILLed; starting a new one`);
      this.spawnWorker();
      return;
    }
    // Died on its own (the server went away, a crash): note it and start another, pausing longer
    // each time in a row so that a worker that cannot start does not spin.
    this.unexpectedStreak += 1;
    const pauseMs = Math.min(1_000 * 2 ** (this.unexpectedStreak - 1), 10_000);
    this.config.log(
      `worker ${worker.no} (pid ${child.pid}) exited on its own (code ${exit.code}, signal ${exit.signal}, ` +
        `${exit.beforeReady ? 'before it was ready' : `after ${Math.round(exit.uptimeMs / 1000)} s`}); ` +
        `restarting it in ${pauseMs} ms. Last output: ${lastLine(exit.lastOutput)}`,
    );
    setTimeout(() => {
      if (!this.stopping) this.spawnWorker();
    }, pauseMs);
  }

  private async waitReady(worker: FleetWorker, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!worker.ready) {
      if (!this.workers.has(worker)) {
        throw new Error(`worker ${worker.no} exited before it was ready:\n${worker.tail}`);
      }
      if (Date.now() > deadline) throw new Error(`worker ${worker.no} was not ready in ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
