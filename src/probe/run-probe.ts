import { failureText } from './answers';
import type { Finding, ProbeCheck } from './check';
import { PROBE_CHECKS } from './checks';
import { ProbeContext, ProbeSkip, type ProbeSettings } from './context';
import { modeRuns } from './mode';
import { mirroredBehaviour, type CheckResult, type ProbeReport } from './report';
import type { EmulatorSwitch } from './switches';

/**
 * Runs the probe against one tenancy: the checks of its protocol that the mode allows, in order,
 * through the project's own Advance client. Nothing here retries: a failed call is reported as
 * what the tenancy did.
 */
export async function runProbe(
  settings: ProbeSettings,
  checks: readonly ProbeCheck[] = PROBE_CHECKS,
): Promise<ProbeReport> {
  const probe = new ProbeContext(settings);
  const { options } = settings;
  const apiVersion = options.apiVersion;
  const redact = redactor([options.credentials.principalPassword.reveal(), settings.answerXml]);
  const results: CheckResult[] = [];
  const notRun: ProbeReport['notRun'] = [];
  try {
    for (const check of checks) {
      if (!check.protocols.includes(apiVersion)) continue;
      if (!modeRuns(probe.mode, check.mode))
        notRun.push({ id: check.id, title: check.title, needs: check.mode });
      else results.push(redacted(await runCheck(probe, check), redact));
    }
  } finally {
    await probe.close();
  }
  // The checks that name a switch on this protocol.
  const applicable = checks.filter((check) =>
    (check.mirrors?.protocols ?? check.protocols).includes(apiVersion),
  );
  const explain = (name: EmulatorSwitch): string => whyUnnamed(name, applicable, results, notRun, checks);
  return {
    tenancy: settings.tenancy ?? options.tenancy,
    apiVersion,
    apiBase: options.urls.apiBase,
    mode: probe.mode,
    startedAt: probe.startedAt,
    ...(probe.state.workItem !== undefined && {
      workItem: { id: probe.state.workItem.id, name: probe.state.workItem.name },
    }),
    checks: results,
    notRun,
    ...mirroredBehaviour(results, explain),
    handled: results.every((result) => result.outcome !== 'not-handled'),
  };
}

async function runCheck(probe: ProbeContext, check: ProbeCheck): Promise<CheckResult> {
  const mark = probe.recorder.mark();
  let finding: Finding | undefined;
  let skipped: string | undefined;
  try {
    finding = await check.run(probe);
  } catch (error) {
    if (error instanceof ProbeSkip) skipped = error.message;
    else finding = { observed: failureText(error), handled: false };
  }
  const mirror = check.mirrors;
  const named =
    mirror !== undefined && (mirror.protocols ?? check.protocols).includes(probe.settings.options.apiVersion);
  return {
    id: check.id,
    title: check.title,
    outcome: finding === undefined ? 'skipped' : finding.handled ? 'handled' : 'not-handled',
    observed: finding?.observed ?? `skipped: ${skipped ?? ''}`,
    ...(finding?.note !== undefined && { note: finding.note }),
    ...(named &&
      finding?.unnamed !== undefined &&
      finding.value === undefined && { unnamed: finding.unnamed }),
    ...(named && { switch: mirror.switch }),
    ...(named && finding?.value !== undefined && { value: finding.value }),
    calls: collapsed(probe.recorder.since(mark).map((exchange) => probe.describe(exchange))),
  };
}

/** Status polls repeat one call a varying number of times: shown once, marked as repeated. */
function collapsed(calls: readonly string[]): string[] {
  const out: string[] = [];
  for (const [index, call] of calls.entries()) {
    if (call !== calls[index - 1]) out.push(call);
    else if (!out[out.length - 1]!.endsWith(' (repeated)')) out[out.length - 1] += ' (repeated)';
  }
  return out;
}

/** Why a switch has no value in this run: no check for it here, not run, skipped, or no value fits. */
function whyUnnamed(
  name: EmulatorSwitch,
  applicable: readonly ProbeCheck[],
  results: readonly CheckResult[],
  notRun: ProbeReport['notRun'],
  all: readonly ProbeCheck[],
): string {
  const mine = results.filter((check) => check.switch === name);
  const result = mine.find((check) => check.outcome !== 'skipped') ?? mine[0];
  if (result !== undefined) {
    if (result.outcome === 'skipped') return `not observed (${result.observed})`;
    return result.unnamed ?? `observed "${result.observed}", which no value of it does the same`;
  }
  const waiting = applicable.find(
    (check) => check.mirrors?.switch === name && notRun.some((n) => n.id === check.id),
  );
  if (waiting !== undefined)
    return waiting.mode === 'complete' ? 'needs --complete' : 'needs a run without --dry-run';
  const elsewhere = all.find((check) => check.mirrors?.switch === name);
  return elsewhere === undefined
    ? 'no check asks about it'
    : `not on this protocol (${(elsewhere.mirrors?.protocols ?? elsewhere.protocols).join(', ')} only)`;
}

/** Replaces every occurrence of the given secrets (shorter than 4 characters are left: too common). */
function redactor(secrets: ReadonlyArray<string | undefined>): (text: string) => string {
  const kept = secrets.filter((secret): secret is string => secret !== undefined && secret.length >= 4);
  return (text) => kept.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}

function redacted(result: CheckResult, redact: (text: string) => string): CheckResult {
  return {
    ...result,
    observed: redact(result.observed),
    ...(result.note !== undefined && { note: redact(result.note) }),
    ...(result.unnamed !== undefined && { unnamed: redact(result.unnamed) }),
  };
}
