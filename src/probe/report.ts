import type { AdvanceApiVersion } from '../advance';
import type { ProbeMode } from './mode';
import {
  EMULATOR_SWITCHES,
  UNPROBED_SWITCHES,
  type EmulatorSwitch,
  type ProbeBehaviour,
  type SwitchValue,
} from './switches';

/** What one check found, as the report gives it. */
export interface CheckResult {
  id: string;
  title: string;
  outcome: 'handled' | 'not-handled' | 'skipped';
  /** What the tenancy did; for a skipped check, why it was skipped. */
  observed: string;
  note?: string;
  /** Why the check named no value of its switch, when it was answered. */
  unnamed?: string;
  /** The emulator switch the check names on this protocol, and the value it named. */
  switch?: EmulatorSwitch;
  value?: SwitchValue;
  /** The HTTP calls it made, the probe's ids by name: `PUT WorkItems/{workItem} → 200`. */
  calls: string[];
}

export interface ProbeReport {
  tenancy: string;
  apiVersion: AdvanceApiVersion;
  apiBase: string;
  mode: ProbeMode;
  startedAt: string;
  /** The work item the probe created and left behind (Advance documents no delete). */
  workItem?: { id: string; name: string };
  checks: CheckResult[];
  /** Checks of this protocol that the mode did not run, with the mode that runs them. */
  notRun: Array<{ id: string; title: string; needs: ProbeMode }>;
  /** The switch values that behave like the tenancy: the emulator configuration. */
  behaviour: ProbeBehaviour;
  /** The switches the probe left at the emulator's default, and why. */
  unmirrored: Array<{ switch: EmulatorSwitch; reason: string }>;
  /** Whether every observed behaviour is one the client handles (exit code 0). */
  handled: boolean;
}

/** The file the emulator's `--behaviour` option reads (tools/emulator/behaviour-file.ts). */
export interface EmulatorBehaviourFile {
  about: string;
  behaviour: ProbeBehaviour;
}

/** The switch values the checks named; a switch named differently by two checks is left out. */
export function mirroredBehaviour(
  checks: readonly CheckResult[],
  explain: (name: EmulatorSwitch) => string,
): Pick<ProbeReport, 'behaviour' | 'unmirrored'> {
  const behaviour: ProbeBehaviour = {};
  const unmirrored: ProbeReport['unmirrored'] = [];
  for (const name of EMULATOR_SWITCHES) {
    const named = checks.filter((check) => check.switch === name && check.value !== undefined);
    const values = [...new Set(named.map((check) => check.value))];
    if (values.length === 1) behaviour[name] = values[0];
    else if (values.length > 1) {
      const said = named.map((check) => `${check.id} ${String(check.value)}`).join(', ');
      unmirrored.push({ switch: name, reason: `the answers differ (${said}): no one value does both` });
    } else unmirrored.push({ switch: name, reason: UNPROBED_SWITCHES[name] ?? explain(name) });
  }
  return { behaviour, unmirrored };
}

export function emulatorBehaviourFile(report: ProbeReport): EmulatorBehaviourFile {
  const left = report.unmirrored.map((entry) => entry.switch).join(', ');
  return {
    about:
      `HotDocs Advance tenancy "${report.tenancy}" (API ${report.apiVersion}) as hotdocs-temporal ` +
      `advance-probe saw it on ${report.startedAt} (${report.mode} mode). Switches not listed keep the ` +
      `emulator's defaults: ${left || 'none'}.`,
    behaviour: report.behaviour,
  };
}

const MARK: Record<CheckResult['outcome'], string> = {
  handled: 'ok         ',
  'not-handled': 'NOT HANDLED',
  skipped: 'skipped    ',
};
const INDENT = ' '.repeat(14);

/** The report for a person: each check with its calls, the switch values, and the verdict. */
export function renderReport(report: ProbeReport): string {
  const lines = [
    `HotDocs Advance probe of tenancy "${report.tenancy}": API ${report.apiVersion} at ${report.apiBase}, ${report.mode} mode`,
  ];
  if (report.workItem !== undefined) {
    lines.push(
      `Created work item ${report.workItem.id} "${report.workItem.name}".`,
      'Advance documents no way to delete a work item over its API: find it by that name and remove it in Advance.',
    );
  }
  lines.push('');
  for (const check of report.checks) {
    const named =
      check.switch !== undefined && check.value !== undefined
        ? `  [${check.switch}: ${String(check.value)}]`
        : '';
    lines.push(`${MARK[check.outcome]}   ${check.title}: ${check.observed}${named}`);
    if (check.note !== undefined) lines.push(`${INDENT}(${check.note})`);
    for (const call of check.calls) lines.push(`${INDENT}${call}`);
  }
  const notRun: Array<[ProbeMode, string]> = [
    ['safe', 'Not run with --dry-run'],
    ['complete', 'Not run without --complete'],
  ];
  for (const [needs, label] of notRun) {
    const ids = report.notRun.filter((entry) => entry.needs === needs).map((entry) => entry.id);
    if (ids.length > 0) lines.push('', `${label}: ${ids.join(', ')}`);
  }
  const named = Object.entries(report.behaviour).map(([name, value]) => `  ${name}: ${String(value)}`);
  lines.push(
    '',
    `Emulator switches that behave like this tenancy:${named.length === 0 ? ' none' : ''}`,
    ...named,
  );
  lines.push("Left at the emulator's defaults:");
  for (const entry of report.unmirrored) lines.push(`  ${entry.switch}: ${entry.reason}`);
  const problems = report.checks.filter((check) => check.outcome === 'not-handled');
  lines.push('');
  if (problems.length === 0) lines.push('Every observed behaviour is one the client handles.');
  else {
    lines.push(`${problems.length} observed behaviour(s) the client does not handle:`);
    for (const check of problems)
      lines.push(`  - ${check.id}: ${check.observed}${check.note ? ` (${check.note})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
