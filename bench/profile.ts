/**
 * Where a worker's CPU went: reads the `.cpuprofile` files `--cpu-prof <dir>` left (one per
 * thread of each worker process) and prints each profile's self time by area (the SDK's bridge
 * and protobuf, the workflow sandbox, undici, our activities, the garbage collector, ...) and its
 * busiest functions.
 *
 *   npm run bench -- --only interview,batch --cpu-prof /tmp/prof && npx tsx bench/profile.ts /tmp/prof
 *   npx tsx bench/profile.ts <dir> [--top 25] [--json-only]
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { table } from './lib/lifecycle-table';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  /** Profiled wall time, ms. */
  wallMs: number;
  /** Sampled time that was not idle, ms. */
  busyMs: number;
  byArea: Array<{ area: string; ms: number; share: number }>;
  /**
   * Time inside the SDK's promise hook (and what it calls): in a workflow thread, the SDK captures
   * and source-maps a stack trace for every promise the workflow creates (for the stack-trace
   * query), so this grows with the promises a workflow makes and how deep its calls are. 0 in
   * threads without workflows.
   */
  promiseStackCaptureMs: number;
  topFunctions: Array<{ fn: string; area: string; ms: number }>;
}

/** The area a frame belongs to, from its script's URL. */
export function areaOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (functionName === '(idle)') return '(idle)';
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (functionName === '(program)') return '(program: native, the SDK core)';
  if (url === '') return '(native builtins)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules?.[1] !== undefined) {
    const name = modules[1];
    if (name === '@temporalio/workflow' || url.includes('workflow-bundle')) return 'workflow sandbox (SDK)';
    return name;
  }
  const ours = /\/(src|bench|tools)\/([^/]+)/.exec(url);
  if (ours !== null) return `${ours[1]}/${ours[2]}`;
  if (/bundles?-|\.js$/.test(url) && url.includes('hotdocs-bench-bundles')) return 'workflow bundle';
  return url.length > 60 ? `…${url.slice(-60)}` : url;
}

export function summarise(file: string, profile: CpuProfile, top = 25): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  for (const [index, id] of profile.samples.entries())
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  const areas = new Map<string, number>();
  const functions = new Map<string, { area: string; us: number }>();
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const node = nodes.get(id);
    if (node === undefined) continue;
    const area = areaOf(node.callFrame);
    if (area === '(idle)') continue;
    busyUs += us;
    areas.set(area, (areas.get(area) ?? 0) + us);
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${path.basename(url)}:${lineNumber + 1}`;
    const entry = functions.get(key) ?? { area, us: 0 };
    entry.us += us;
    functions.set(key, entry);
  }
  const ms = (us: number) => Math.round(us / 100) / 10;
  return {
    file,
    wallMs: ms(profile.endTime - profile.startTime),
    busyMs: ms(busyUs),
    promiseStackCaptureMs: ms(promiseHookUs(nodes, selfUs)),
    byArea: [...areas]
      .sort((a, b) => b[1] - a[1])
      .map(([area, us]) => ({ area, ms: ms(us), share: Math.round((us / Math.max(1, busyUs)) * 1000) / 10 })),
    topFunctions: [...functions]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, top)
      .map(([fn, { area, us }]) => ({ fn, area, ms: ms(us) })),
  };
}

/** Inclusive time of the SDK's promise `init` hook (@temporalio/worker, workflow/vm-shared.js). */
function promiseHookUs(nodes: Map<number, ProfileNode>, selfUs: Map<number, number>): number {
  const inclusive = (id: number): number => {
    const node = nodes.get(id);
    return (selfUs.get(id) ?? 0) + (node?.children ?? []).reduce((sum, child) => sum + inclusive(child), 0);
  };
  let us = 0;
  for (const node of nodes.values()) {
    const { functionName, url } = node.callFrame;
    if (functionName === 'init' && url.includes('@temporalio/worker/lib/workflow/vm-shared.js'))
      us += inclusive(node.id);
  }
  return us;
}

async function profilesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries
    .filter((entry) => entry.endsWith('.cpuprofile'))
    .map((entry) => path.join(dir, entry))
    .sort();
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string' }, 'json-only': { type: 'boolean', default: false } },
  });
  const dir = positionals[0];
  if (dir === undefined) throw new Error('usage: npx tsx bench/profile.ts <dir with .cpuprofile files>');
  const top = values.top === undefined ? 25 : Number(values.top);
  const summaries: ProfileSummary[] = [];
  for (const file of await profilesIn(dir)) {
    const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
    summaries.push(summarise(path.relative(dir, file), profile, top));
  }
  if (values['json-only']) {
    process.stdout.write(`${JSON.stringify(summaries)}\n`);
    return;
  }
  for (const s of summaries) {
    const hook =
      s.promiseStackCaptureMs > 0 ? `; ${s.promiseStackCaptureMs} ms of it in the SDK's promise hook` : '';
    process.stdout.write(`\n${s.file}: busy ${s.busyMs} ms of ${s.wallMs} ms${hook}\n`);
    process.stdout.write(
      `${table([['area', 'ms', '%'], ...s.byArea.map((a) => [a.area, a.ms.toFixed(1), a.share.toFixed(1)])])}\n`,
    );
    process.stdout.write(
      `${table([['function', 'area', 'ms'], ...s.topFunctions.map((f) => [f.fn, f.area, f.ms.toFixed(1)])])}\n`,
    );
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
