import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { OutputTail } from './output-tail';

/**
 * Starting a process and waiting until it is ready, written once for the tests, the benchmarks,
 * the chaos run, `npm run dev` and the cluster harness: a worker, a gateway, the emulator, the
 * Temporal dev server. Every failure says which process, why, and what it last printed.
 */

/** When a started process counts as ready. */
export type Readiness<M = unknown> =
  /** It printed this (stdout or stderr). */
  | { output: string | RegExp }
  /** It sent an IPC message for which this returns `'ready'` (or `{ failed }` to give up). */
  | { message: (message: M) => 'ready' | { failed: string } | undefined }
  /**
   * This check (a health request, a gRPC call) passes: it returns `true`, or what is still
   * missing (named when the wait times out). Asked every `intervalMs`.
   */
  | { probe: () => Promise<true | string>; intervalMs?: number };

export interface ChildOptions {
  /** How the process is named in messages: "worker 3", "gateway", "Temporal dev server". */
  name: string;
  command: string;
  args: readonly string[];
  /** The child's whole environment. @default process.env */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** An IPC channel to the child (`process.send` there). @default false */
  ipc?: boolean;
  /** Where stdout goes; piped output is kept as a tail for failure messages. @default 'pipe' */
  stdout?: 'pipe' | 'ignore' | 'inherit';
  /** Where stderr goes. @default 'pipe' */
  stderr?: 'pipe' | 'ignore' | 'inherit';
  /** Called with every chunk of piped output (a log file, a progress line). */
  onOutput?: (chunk: string) => void;
  /** Lines of output kept (for failure messages, and for tests that read it). @default 60 */
  tailLines?: number;
  /** Its own process group, so that a Ctrl-C (SIGINT to the group) can be imitated. @default false */
  detached?: boolean;
}

export interface ChildHandle {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number | undefined;
  /** The last lines it printed (piped streams only): both streams, or the one named. */
  output(stream?: 'stdout' | 'stderr'): string;
  /** Settles when it has exited (or could not be started), with why. */
  readonly exited: Promise<string>;
  isRunning(): boolean;
  /** Resolves once `readiness` holds; rejects when it exits first or `timeoutMs` passes. */
  waitReady<M = unknown>(readiness: Readiness<M>, timeoutMs: number): Promise<M | undefined>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. @default graceMs 10_000 */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL (a crash, as chaos runs want it); resolves when it has exited. */
  kill(): Promise<void>;
}

/** Starts a process without waiting for it; see `startChild` to wait until it is ready. */
export function spawnChild(options: ChildOptions): ChildHandle {
  const stdio: StdioOptions = [
    'ignore',
    options.stdout ?? 'pipe',
    options.stderr ?? 'pipe',
    ...(options.ipc === true ? (['ipc'] as const) : []),
  ];
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: options.env,
    stdio,
    detached: options.detached,
  });
  const tails = {
    both: new OutputTail(options.tailLines ?? 60),
    stdout: new OutputTail(options.tailLines ?? 60),
    stderr: new OutputTail(options.tailLines ?? 60),
  };
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = child[name];
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      tails.both.append(chunk);
      tails[name].append(chunk);
      options.onOutput?.(chunk);
    });
  }
  let exitReason: string | undefined;
  const exited = new Promise<string>((resolve) => {
    // 'close', not 'exit': by then its output has been read to the end.
    child.once('close', (code, signal) =>
      resolve((exitReason = signal ? `killed by ${signal}` : `exited with code ${code}`)),
    );
    child.once('error', (error) => resolve((exitReason = `could not be started: ${error.message}`)));
  });
  // Safety net: a run that dies without stopping its children must not leave them behind,
  // holding ports and calling Advance.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));

  let stopping: Promise<void> | undefined;
  const handle: ChildHandle = {
    name: options.name,
    child,
    pid: child.pid,
    output: (stream) => tails[stream ?? 'both'].text(),
    exited,
    isRunning: () => exitReason === undefined,
    waitReady: (readiness, timeoutMs) => waitReady(handle, readiness, timeoutMs, () => exitReason),
    stop: (graceMs = 10_000) =>
      (stopping ??= (async () => {
        if (exitReason !== undefined) return;
        child.kill('SIGTERM');
        const timer = new AbortController();
        const timedOut = await Promise.race([
          exited.then(() => false),
          delay(graceMs, true, { signal: timer.signal }).catch(() => false),
        ]);
        timer.abort();
        if (timedOut) child.kill('SIGKILL');
        await exited;
      })()),
    kill: async () => {
      if (exitReason === undefined) child.kill('SIGKILL');
      await exited;
    },
  };
  return handle;
}

/**
 * Starts a process and waits until it is ready. On failure it is stopped and the error names it,
 * says why, and shows its last output.
 */
export async function startChild<M = unknown>(
  options: ChildOptions & { ready: Readiness<M>; readyTimeoutMs?: number },
): Promise<{ handle: ChildHandle; readyMessage: M | undefined }> {
  const handle = spawnChild(options);
  try {
    const readyMessage = await handle.waitReady(options.ready, options.readyTimeoutMs ?? 60_000);
    return { handle, readyMessage };
  } catch (error) {
    await handle.stop(0);
    throw error;
  }
}

/** `node --require tsx/cjs <entry>`: a TypeScript entry point of this repository as a process. */
export function typeScriptProcess(entry: string): { command: string; args: string[] } {
  return { command: process.execPath, args: ['--require', require.resolve('tsx/cjs'), entry] };
}

/**
 * Sends `request` over IPC and resolves with the first reply `match` accepts; rejects when the
 * child exits first. For the benchmark's children, which answer requests by id.
 */
export function askChild<Reply>(
  child: ChildProcess,
  request: unknown,
  match: (message: unknown) => Reply | undefined,
): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      const reply = match(message);
      if (reply === undefined) return;
      settle();
      resolve(reply);
    };
    const onExit = (): void => {
      settle();
      reject(new Error(`the process (pid ${child.pid}) exited before it answered`));
    };
    const settle = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(request as object);
  });
}

async function waitReady<M>(
  handle: ChildHandle,
  readiness: Readiness<M>,
  timeoutMs: number,
  exitReason: () => string | undefined,
): Promise<M | undefined> {
  const failure = (what: string) =>
    new Error(
      `${handle.name} (pid ${handle.pid ?? '-'}) ${what}.\nLast output:\n${handle.output() || '(nothing)'}`,
    );
  const progress = { lastProblem: undefined as string | undefined };
  const timer = new AbortController();
  const timeout = delay(timeoutMs, undefined, { signal: timer.signal }).then(
    () => {
      const last = progress.lastProblem === undefined ? '' : ` (last problem: ${progress.lastProblem})`;
      return Promise.reject(failure(`was not ready within ${timeoutMs} ms${last}`));
    },
    () => new Promise<never>(() => undefined),
  );
  const exit = handle.exited.then((reason) => Promise.reject(failure(`${reason} before it was ready`)));
  try {
    return await Promise.race([readyWhen(handle, readiness, exitReason, progress), timeout, exit]);
  } finally {
    timer.abort();
  }
}

function readyWhen<M>(
  handle: ChildHandle,
  readiness: Readiness<M>,
  exitReason: () => string | undefined,
  progress: { lastProblem?: string },
): Promise<M | undefined> {
  if ('output' in readiness) {
    const seen = () =>
      typeof readiness.output === 'string'
        ? handle.output().includes(readiness.output)
        : readiness.output.test(handle.output());
    return new Promise((resolve) => {
      const check = () => {
        if (!seen()) return;
        handle.child.stdout?.off('data', check);
        handle.child.stderr?.off('data', check);
        resolve(undefined);
      };
      handle.child.stdout?.on('data', check);
      handle.child.stderr?.on('data', check);
      check();
    });
  }
  if ('message' in readiness) {
    return new Promise((resolve, reject) => {
      const onMessage = (message: M) => {
        const verdict = readiness.message(message);
        if (verdict === undefined) return;
        handle.child.off('message', onMessage);
        if (verdict === 'ready') resolve(message);
        else reject(new Error(`${handle.name} failed to start: ${verdict.failed}`));
      };
      handle.child.on('message', onMessage);
    });
  }
  return (async () => {
    while (exitReason() === undefined) {
      const verdict = await readiness.probe().catch((error: unknown) => String(error));
      if (verdict === true) return undefined;
      progress.lastProblem = verdict;
      await delay(readiness.intervalMs ?? 100);
    }
    return new Promise<never>(() => undefined); // the exit rejects the race
  })();
}
