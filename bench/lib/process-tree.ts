import { readdir, readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux kernel config in practice. */
const CLOCK_TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime: the process's own CPU time and that of its reaped children. */
  ticks: number;
}

/**
 * CPU time (ms) used so far by the processes `roots` and every live descendant of theirs, with
 * the children each has reaped: a server made of several processes (the cluster's four Temporal
 * services, PostgreSQL's postmaster and its backends). Undefined off Linux.
 */
export async function processTreeCpuMs(roots: readonly number[]): Promise<number | undefined> {
  const stats = await allProcesses();
  if (stats === undefined) return undefined;
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  const byPid = new Map(stats.map((stat) => [stat.pid, stat]));
  let ticks = 0;
  const seen = new Set<number>();
  const visit = (pid: number): void => {
    const stat = byPid.get(pid);
    if (stat === undefined || seen.has(pid)) return;
    seen.add(pid);
    ticks += stat.ticks;
    for (const child of children.get(pid) ?? []) visit(child.pid);
  };
  roots.forEach(visit);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Pids of the processes whose command line contains `text` (e.g. a data directory's path). */
export async function pidsWithCommandLine(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const pid of await numericEntries()) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.replace(/\0/g, ' ').includes(text)) pids.push(pid);
  }
  return pids;
}

async function allProcesses(): Promise<ProcStat[] | undefined> {
  const pids = await numericEntries();
  if (pids.length === 0) return undefined;
  const stats: ProcStat[] = [];
  for (const pid of pids) {
    // A process may end between the listing and the read: it is simply not counted.
    const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    const ticks = fields.slice(11, 15).reduce((sum, field) => sum + Number(field), 0);
    if (Number.isFinite(ppid) && Number.isFinite(ticks)) stats.push({ pid, ppid, ticks });
  }
  return stats;
}

async function numericEntries(): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  return entries.filter((name) => /^\d+$/.test(name)).map(Number);
}
