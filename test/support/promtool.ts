import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The pinned promtool (tools/monitoring/promtool.env), built by tools/monitoring/install-promtool.sh
 * into .tools/ — on demand when missing, as the other test tools are (.ci/run installs it first).
 */

const ROOT = path.resolve(__dirname, '..', '..');
const PIN_FILE = path.join(ROOT, 'tools', 'monitoring', 'promtool.env');
const INSTALL_SCRIPT = path.join(ROOT, 'tools', 'monitoring', 'install-promtool.sh');

export function promtoolPins(): { moduleVersion: string; prometheusVersion: string } {
  const pins = Object.fromEntries(
    [...readFileSync(PIN_FILE, 'utf8').matchAll(/^([A-Z_]+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]),
  );
  const moduleVersion = pins['PROMTOOL_MODULE_VERSION'];
  const prometheusVersion = pins['PROMETHEUS_VERSION'];
  if (moduleVersion === undefined || prometheusVersion === undefined)
    throw new Error(`${PIN_FILE} must set PROMTOOL_MODULE_VERSION and PROMETHEUS_VERSION`);
  return { moduleVersion, prometheusVersion };
}

/** The promtool binary, installed first when missing (minutes the first time on a new machine). */
export function ensurePromtool(): string {
  const binary = path.join(ROOT, '.tools', `promtool-${promtoolPins().moduleVersion}`, 'promtool');
  if (!existsSync(binary)) {
    const result = spawnSync('bash', [INSTALL_SCRIPT], { encoding: 'utf8', stdio: 'pipe' });
    if (result.status !== 0 || !existsSync(binary))
      throw new Error(`promtool is not installed and bash ${INSTALL_SCRIPT} failed:\n${result.stderr}`);
  }
  return binary;
}

export interface PromtoolRun {
  status: number | null;
  output: string;
}

/** Runs promtool in `cwd` (rule files name each other relative to it). */
export function promtool(binary: string, args: string[], cwd: string): PromtoolRun {
  const result = spawnSync(binary, args, { cwd, encoding: 'utf8', stdio: 'pipe' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** An alert's state over time, from `promtool test rules --debug`'s dump of the ALERTS series. */
export type AlertState = 'inactive' | 'pending' | 'firing';

/**
 * The states each alert passed through, in order, read from the debug dump of the last
 * evaluation: `{__name__="ALERTS", alertname=..., alertstate=...} =>` followed by `1 @[ms]` lines.
 * Minutes with neither series are `inactive`.
 */
export function alertTimeline(debugOutput: string): Map<string, { minute: number; state: AlertState }[]> {
  const states = new Map<string, Map<number, AlertState>>();
  let current: { alert: string; state: AlertState } | undefined;
  for (const line of debugOutput.split('\n')) {
    const series = /^\{__name__="ALERTS", alertname="([^"]+)", alertstate="(pending|firing)"/.exec(line);
    if (series !== null) {
      current = { alert: series[1]!, state: series[2] as AlertState };
      continue;
    }
    const sample = /^1 @\[(\d+)\]$/.exec(line);
    if (sample !== null && current !== undefined) {
      const byMinute = states.get(current.alert) ?? new Map<number, AlertState>();
      byMinute.set(Number(sample[1]) / 60_000, current.state);
      states.set(current.alert, byMinute);
      continue;
    }
    if (!line.startsWith('1 @[')) current = undefined;
  }
  const timelines = new Map<string, { minute: number; state: AlertState }[]>();
  for (const [alert, byMinute] of states) {
    const minutes = [...byMinute.keys()].sort((a, b) => a - b);
    const changes: { minute: number; state: AlertState }[] = [{ minute: 0, state: 'inactive' }];
    for (let minute = 0; minute <= (minutes.at(-1) ?? 0) + 1; minute += 1) {
      const state = byMinute.get(minute) ?? 'inactive';
      if (state !== changes.at(-1)!.state) changes.push({ minute, state });
    }
    timelines.set(alert, changes);
  }
  return timelines;
}
