import { readFile, writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { AnswerXmlError, checkAnswerXml, type ResolvedAdvanceClientOptions } from '../advance';
import { isGuid } from '../workflows/message-rules';
import { loadAdvanceConfig, type Env } from '../config';
import {
  DEFAULT_COMPLETION_WAIT_MS,
  emulatorBehaviourFile,
  renderReport,
  runProbe,
  type ProbeMode,
  type ProbeSettings,
} from '../probe';
import { parseDuration } from '../workflows/duration';
import { examples } from './lifecycle-commands';

interface ProbeFlags {
  tenancy?: string;
  workGroupId?: string;
  templatePackageId?: string;
  answerXmlFile?: string;
  complete?: boolean;
  dryRun?: boolean;
  json?: boolean;
  emulatorConfig?: string;
  wait?: string;
}

/** What the probe cannot run with; exit code 2, with every problem listed. */
class ProbeUsageError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

/**
 * `hotdocs-temporal advance-probe`: the questions HotDocs' pages leave open, asked of the tenancy
 * the worker is configured with (docs/advance-probe.md). Exit code 0 when the client handles every
 * observed behaviour, 1 when it does not (the report lists them), 2 for bad options or configuration.
 */
export function registerAdvanceProbeCommand(program: Command): Command {
  return program
    .command('advance-probe')
    .description(
      "Ask a HotDocs Advance tenancy, through this project's client, how it answers where HotDocs' pages are " +
        'silent: whether the client handles each answer, and the emulator switch values that behave the same. ' +
        'Configured like the worker (ADVANCE_* variables or ADVANCE_TENANCIES_FILE). Safe by default: it logs ' +
        'in, reads, creates one work item named "hotdocs-temporal advance-probe <time>", begins a session and ' +
        'saves it. Advance documents no delete for work items: remove it in Advance afterwards. Exit code 0: ' +
        'every observed behaviour is handled; 1: not (listed); 2: bad options or configuration',
    )
    .addOption(
      new Option(
        '--tenancy <name>',
        'the tenancy of ADVANCE_TENANCIES_FILE to probe (default: its defaultTenancy)',
      ),
    )
    .addOption(
      new Option('--work-group-id <guid>', "the probe work item's work group (required unless --dry-run)"),
    )
    .addOption(
      new Option(
        '--template-package-id <guid>',
        "the probe work item's template package (required unless --dry-run)",
      ),
    )
    .addOption(
      new Option(
        '--answer-xml-file <file>',
        "answers for the probe's work item and sessions, if the template needs some to assemble; never printed (default: none)",
      ),
    )
    .addOption(
      new Option(
        '--complete',
        'also complete a session with assembly, and on v2.0 CreateAndAssemble another: this creates documents ' +
          "in Advance and fires the template's post-assembly webhooks (default: off)",
      ),
    )
    .addOption(new Option('--dry-run', 'only log in and read: nothing is created (default: off)'))
    .addOption(new Option('--json', 'print the report as JSON (default: text)'))
    .addOption(
      new Option(
        '--emulator-config <file>',
        'write the emulator switch values that behave like this tenancy, for npm run emulator -- --behaviour <file> ' +
          '(default: none)',
      ),
    )
    .addOption(
      new Option(
        '--wait <duration>',
        'with --complete: how long to wait for the version to read Completed',
      ).default(`${DEFAULT_COMPLETION_WAIT_MS / 60_000}m`),
    )
    .addHelpText(
      'after',
      examples(
        'hotdocs-temporal advance-probe --dry-run',
        'hotdocs-temporal advance-probe --work-group-id <guid> --template-package-id <guid> --emulator-config acme.json',
        'hotdocs-temporal advance-probe --tenancy acme --work-group-id <guid> --template-package-id <guid> --complete --json',
      ),
    )
    .action(async (flags: ProbeFlags) => {
      process.exitCode = await advanceProbe(flags, process.env);
    });
}

async function advanceProbe(flags: ProbeFlags, env: Env): Promise<number> {
  let settings: ProbeSettings;
  try {
    settings = await probeSettings(flags, env);
  } catch (error) {
    if (!(error instanceof ProbeUsageError)) throw error;
    const body = { code: 'invalid-input', message: error.message, problems: error.problems };
    process.stderr.write(`${JSON.stringify({ error: body }, null, 2)}\n`);
    return 2;
  }
  const report = await runProbe(settings);
  let written = '';
  if (flags.emulatorConfig !== undefined) {
    await writeFile(flags.emulatorConfig, `${JSON.stringify(emulatorBehaviourFile(report), null, 2)}\n`);
    written = `\nEmulator configuration written to ${flags.emulatorConfig}: npm run emulator -- --behaviour ${flags.emulatorConfig}\n`;
  }
  process.stdout.write(
    flags.json === true ? `${JSON.stringify(report, null, 2)}\n` : `${renderReport(report)}${written}`,
  );
  return report.handled ? 0 : 1;
}

/** The tenancy as the worker would load it, and the options checked before anything is sent. */
async function probeSettings(flags: ProbeFlags, env: Env): Promise<ProbeSettings> {
  const problems: string[] = [];
  const { name, options } = chosenTenancy(flags.tenancy, env, problems);
  const mode: ProbeMode = flags.dryRun === true ? 'dry-run' : flags.complete === true ? 'complete' : 'safe';
  for (const [flag, value] of [
    ['--work-group-id', flags.workGroupId],
    ['--template-package-id', flags.templatePackageId],
  ] as const) {
    if (value === undefined && mode !== 'dry-run')
      problems.push(`${flag} is required: the probe creates its work item there (or give --dry-run)`);
    else if (value !== undefined && !isGuid(value)) problems.push(`${flag} must be a GUID`);
  }
  const waitMs = parseDuration(flags.wait ?? '');
  if (waitMs === undefined) problems.push('--wait must be a duration such as 90s or 5m');
  const answerXml = await answersFrom(flags.answerXmlFile, options, problems);
  if (flags.complete === true && flags.dryRun === true)
    problems.push('give --complete or --dry-run, not both');
  if (problems.length > 0 || options === undefined) throw new ProbeUsageError(problems);
  return {
    options,
    ...(name !== undefined && { tenancy: name }),
    mode,
    ...(flags.workGroupId !== undefined && { workGroupId: flags.workGroupId }),
    ...(flags.templatePackageId !== undefined && { templatePackageId: flags.templatePackageId }),
    ...(answerXml !== undefined && { answerXml }),
    completionWaitMs: waitMs ?? DEFAULT_COMPLETION_WAIT_MS,
  };
}

/** The tenancy as the worker loads it: `--tenancy`, else the default one. */
function chosenTenancy(
  wanted: string | undefined,
  env: Env,
  problems: string[],
): { name?: string; options?: ResolvedAdvanceClientOptions } {
  const advance = loadAdvanceConfig(env, problems);
  if (advance === undefined) return {};
  const name = wanted ?? advance.defaultTenancy;
  const options = advance.tenancies.get(name);
  if (options === undefined) {
    problems.push(
      `--tenancy ${name} is not configured (configured: ${[...advance.tenancies.keys()].join(', ')})`,
    );
  }
  return { name, ...(options !== undefined && { options }) };
}

async function answersFrom(
  file: string | undefined,
  options: ResolvedAdvanceClientOptions | undefined,
  problems: string[],
): Promise<string | undefined> {
  if (file === undefined) return undefined;
  let xml: string;
  try {
    xml = await readFile(file, 'utf8');
  } catch (error) {
    problems.push(
      `--answer-xml-file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
    return undefined;
  }
  try {
    checkAnswerXml(xml, options === undefined ? {} : { maxBytes: options.maxAnswerXmlBytes });
  } catch (error) {
    if (!(error instanceof AnswerXmlError)) throw error;
    problems.push(`--answer-xml-file ${file}: ${error.message}`);
    return undefined;
  }
  return xml;
}
