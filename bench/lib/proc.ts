import { readdir, readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux kernel config in practice. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system) process `pid` has used so far, in ms; undefined off Linux. */
export async function processCpuMs(pid: number): Promise<number | undefined> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return ((utime + stime) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** VmRSS and VmHWM (peak RSS) of process `pid`, in bytes; undefined off Linux. */
export async function processMemory(pid: number): Promise<{ rss: number; peakRss: number } | undefined> {
  let status: string;
  try {
    status = await readFile(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (field: string): number | undefined => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  };
  const rss = kib('VmRSS');
  const peakRss = kib('VmHWM');
  return rss === undefined || peakRss === undefined ? undefined : { rss, peakRss };
}

/** A worker process's CPU time so far by kind of thread, ms. */
export interface ThreadCpu {
  /** The main thread: activities, the SDK's JavaScript side, the bridge to its core. */
  main: number;
  /** The workflow thread (the busiest other `node` thread: workflow code runs there). */
  workflows: number;
  /** The SDK's Rust core (`tokio-runtime-w`, `workflow-proces`, ...): gRPC, history processing. */
  core: number;
  /** The remaining `node` threads: V8's helpers (garbage collection, compilation) and libuv's pool. */
  helpers: number;
}

/**
 * CPU time of process `pid` by kind of thread, from /proc/<pid>/task; undefined off Linux.
 * Node names none of its threads, so the workflow thread is told apart as the busiest `node`
 * thread besides the main one (in a worker it is, by far). Threads that ended are not counted.
 */
export async function threadCpuMs(pid: number): Promise<ThreadCpu | undefined> {
  let tasks: string[];
  try {
    tasks = await readdir(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  const threads = await Promise.all(
    tasks.map(async (tid) => {
      try {
        const [comm, stat] = await Promise.all([
          readFile(`/proc/${pid}/task/${tid}/comm`, 'utf8'),
          readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8'),
        ]);
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
        return { tid: Number(tid), name: comm.trim(), ms: Number.isFinite(ms) ? ms : 0 };
      } catch {
        return undefined; // the thread ended meanwhile
      }
    }),
  );
  const cpu: ThreadCpu = { main: 0, workflows: 0, core: 0, helpers: 0 };
  const others: number[] = [];
  for (const thread of threads) {
    if (thread === undefined) continue;
    if (thread.tid === pid) cpu.main += thread.ms;
    else if (thread.name === 'node') others.push(thread.ms);
    else cpu.core += thread.ms;
  }
  others.sort((a, b) => b - a);
  cpu.workflows = others[0] ?? 0;
  cpu.helpers = others.slice(1).reduce((a, b) => a + b, 0);
  return cpu;
}
