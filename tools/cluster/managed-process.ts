import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/** Kept in memory per process, so that a failure can quote the process's last words. */
const TAIL_CHARS = 6_000;

export interface ProcessSpec {
  /** A short name for logs and reports: `history`, `worker-2`, `gateway-1`. */
  name: string;
  command: string;
  args: readonly string[];
  /** The process's whole environment: nothing is inherited that is not listed here. */
  env: Record<string, string | undefined>;
  cwd: string;
  /** stdout and stderr are appended here (one file across restarts). */
  logFile: string;
  /** Ready once this text appears in its output (checked before `ready`). */
  readyText?: string;
  /** Ready once this resolves true; polled every 200 ms. */
  ready?: () => Promise<boolean>;
  /** How long a start may take before it counts as failed. @default 60_000 */
  readyTimeoutMs?: number;
}

/** How one run of the process ended. */
export interface ProcessExit {
  name: string;
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Who ended it: a fault the test injected, a stop at the end, or nobody (it died). */
  endedBy: 'fault' | 'stop' | 'itself';
  at: string;
  /** The end of its output, when it ended on its own. */
  lastOutput?: string;
}

/**
 * One long-running child process that a test can start, SIGKILL and start again with the same
 * command, environment and log file — the unit every part of the cluster is made of (PostgreSQL
 * aside, which pg_ctl runs). Output goes to the log file and a short in-memory tail.
 */
export class ManagedProcess {
  readonly exits: ProcessExit[] = [];
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private endedBy: ProcessExit['endedBy'] = 'itself';
  private tail = '';
  private sawReadyText = false;
  private readonly log;

  constructor(readonly spec: ProcessSpec) {
    this.log = createWriteStream(spec.logFile, { flags: 'a' });
  }

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Its output since the last start, up to the last few thousand characters. */
  output(): string {
    return this.tail;
  }

  /** Starts it and resolves once it is ready; rejects (and kills it) when it exits or times out first. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.tail = '';
    this.sawReadyText = false;
    this.endedBy = 'itself';
    this.log.write(`\n----- ${new Date().toISOString()} start ${this.name}\n`);
    const child = spawn(this.spec.command, [...this.spec.args], {
      cwd: this.spec.cwd,
      env: definedOnly(this.spec.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const onOutput = (chunk: Buffer): void => {
      this.log.write(chunk);
      this.tail = (this.tail + chunk.toString('utf8')).slice(-TAIL_CHARS);
      // Checked on every chunk: a chatty process could push the line out of the tail before a poll.
      if (this.spec.readyText !== undefined && this.tail.includes(this.spec.readyText))
        this.sawReadyText = true;
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    this.exited = new Promise<void>((resolve) =>
      child.once('close', (code, signal) => {
        this.exits.push({
          name: this.name,
          pid: child.pid,
          code,
          signal,
          endedBy: this.endedBy,
          at: new Date().toISOString(),
          ...(this.endedBy === 'itself' && { lastOutput: this.tail.slice(-1_500) }),
        });
        resolve();
      }),
    );
    // A test run that dies without stopping must not leave servers behind.
    const killOnExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    void this.exited.then(() => process.removeListener('exit', killOnExit));

    const timeoutMs = this.spec.readyTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    let failure: string | undefined;
    void spawnError.then((error) => (failure = `could not be spawned: ${error.message}`));
    for (;;) {
      if (failure !== undefined) break;
      if (!this.running) {
        failure = `exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready`;
        break;
      }
      if (await this.isReady()) return;
      if (Date.now() > deadline) {
        failure = `was not ready within ${timeoutMs} ms`;
        break;
      }
      await sleep(200);
    }
    await this.kill('SIGKILL', 'stop');
    throw new Error(`${this.name} ${failure}; its last output:\n${this.tail.slice(-3_000)}`);
  }

  /** Sends the signal (SIGKILL: a crash, no shutdown at all) and waits until the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL', endedBy: ProcessExit['endedBy'] = 'fault'): Promise<void> {
    if (!this.running) return;
    this.endedBy = endedBy;
    this.child?.kill(signal);
    await this.exited;
  }

  /** SIGTERM, SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) {
      this.log.end();
      return;
    }
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.kill('SIGTERM', 'stop');
    clearTimeout(timer);
    this.log.end();
  }

  private async isReady(): Promise<boolean> {
    if (this.spec.readyText !== undefined && !this.sawReadyText) return false;
    if (this.spec.ready !== undefined) return this.spec.ready().catch(() => false);
    return true;
  }
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
