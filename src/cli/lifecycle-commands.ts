import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { ConfigError, loadClientConfig, TEMPORAL_SETTINGS, type ClientConfig } from '../config';
import {
  configurationError,
  isGuid,
  isTemporalUnavailable,
  LifecycleClient,
  LifecycleClientError,
  LifecycleInputError,
  validateFollowUp,
  validateLifecycleInput,
  type FollowUpRequest,
} from '../client';

/**
 * The lifecycle commands of `hotdocs-temporal`: start, complete-interview, follow-up, finish,
 * cancel, status, result. Each prints one JSON document to stdout, or `{ "error": {...} }` to
 * stderr with exit code 2 for bad input and 1 for anything else, so scripts can branch on both.
 */

export interface ConnectionFlags {
  address?: string;
  namespace?: string;
  taskQueue?: string;
}

interface StartFlags extends ConnectionFlags {
  input?: string;
  json?: string;
  businessKey?: string;
  wait?: 'interview';
}

interface CompleteInterviewFlags extends ConnectionFlags {
  versionId?: string;
}

interface FollowUpFlags extends ConnectionFlags {
  answerXmlFile?: string;
  mode?: string;
  runAssembly: boolean;
  wait?: boolean;
}

interface ResultFlags extends ConnectionFlags {
  wait: boolean;
}

/**
 * How long `complete-interview` waits for a worker to accept it; then, with `--version-id`, it
 * sends the signal instead (Temporal's server takes it alone).
 */
const COMPLETE_ACCEPT_WITHIN_MS = 10_000;

/** The work group and template package of the examples; any GUID works with the emulator. */
const EXAMPLE_WORK_ITEM =
  '{"workItem":{"name":"Lease","workGroupId":"6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11",' +
  '"templatePackageId":"0f2a7d6c-58e4-4a9b-8f3e-2b9d6c1e7a22"}}';

export function registerLifecycleCommands(program: Command): Command {
  registerStart(program);
  registerCompleteInterview(program);
  registerFollowUp(program);
  registerMessages(program);
  registerReadCommands(program);
  return program;
}

function registerStart(program: Command): void {
  withConnectionOptions(program.command('start'))
    .description('Start an assembly lifecycle; a repeated start with the same business key finds it again')
    .addOption(new Option('--input <file>', 'lifecycle input JSON from a file, or "-" for stdin'))
    .addOption(new Option('--json <json>', 'lifecycle input JSON given inline'))
    .addOption(new Option('--business-key <key>', 'set (or override) businessKey in the input'))
    .addOption(
      new Option(
        '--wait <what>',
        'interview: wait until the session has begun and print its interview as well (pushed by the lifecycle, no polling)',
      ).choices(['interview']),
    )
    .addHelpText(
      'after',
      examples(
        'hotdocs-temporal start --input lease.json --business-key lease-42',
        'hotdocs-temporal start --input lease.json --business-key lease-42 --wait interview',
        `echo '${EXAMPLE_WORK_ITEM}' | hotdocs-temporal start --input - --business-key lease-43`,
      ),
    )
    .action((flags: StartFlags) =>
      execute(flags, async (connect) => {
        const input = await readStartInput(flags);
        // Checked before connecting: bad input is reported without Temporal being reachable.
        validateLifecycleInput(input);
        const lifecycles = await connect();
        const started = await lifecycles.start(input);
        const { lifecycleId, runId, workItemId, created, status } = started;
        // null rather than a missing key: the workflow assigns the work item id when none was given.
        const answer = { lifecycleId, runId: runId ?? null, workItemId: workItemId ?? null, created, status };
        if (flags.wait !== 'interview' || status !== 'RUNNING') return answer;
        const readiness = await lifecycles.waitForInterview(lifecycleId);
        // null: no interview is waiting (a batch session, or the lifecycle needs attention).
        return { ...answer, interview: readiness.ready ? readiness : null };
      }),
    );
}

function registerCompleteInterview(program: Command): void {
  withConnectionOptions(program.command('complete-interview').argument('<lifecycleId>'))
    .description(
      'Report the interview as finished; without --version-id, the interview the lifecycle waits for. ' +
        `Prints accepted or already-finished; when no worker takes it within ${COMPLETE_ACCEPT_WITHIN_MS / 1000} s, ` +
        'a report naming its session goes as a signal instead (signalled)',
    )
    .addOption(new Option('--version-id <guid>', 'the session whose interview was finished'))
    .addHelpText(
      'after',
      examples(
        'hotdocs-temporal complete-interview assembly-lease-42',
        'hotdocs-temporal complete-interview assembly-lease-42 --version-id 3f0c8a52-7d1e-4b9a-a2c4-5e6f7a8b9c0d',
      ),
    )
    .action((lifecycleId: string, flags: CompleteInterviewFlags) =>
      execute(flags, async (connect) => {
        if (flags.versionId !== undefined && !isGuid(flags.versionId)) {
          throw new LifecycleInputError(['--version-id must be a GUID'], 'interviewCompleted');
        }
        const lifecycles = await connect();
        try {
          const { outcome, versionId } = await lifecycles.completeInterview(lifecycleId, {
            ...(flags.versionId !== undefined && { versionId: flags.versionId }),
            acceptWithinMs: COMPLETE_ACCEPT_WITHIN_MS,
          });
          return { lifecycleId, versionId, outcome };
        } catch (error) {
          // Without a version, the lifecycle's refusal means it waits for no interview.
          if (flags.versionId !== undefined || !isRefusal(error)) throw error;
          throw new CliFailure(
            'no-interview-waiting',
            `${error.message}; pass --version-id to report a particular session`,
          );
        }
      }),
    );
}

function registerFollowUp(program: Command): void {
  withConnectionOptions(program.command('follow-up').argument('<lifecycleId>'))
    .description(
      'Queue a follow-up session; it begins once the active session is completed. ' +
        'With --wait, wait until Advance has begun it and print the session',
    )
    .addOption(new Option('--answer-xml-file <file>', 'answer XML to begin the session with ("-" for stdin)'))
    .addOption(new Option('--mode <mode>', "interview or batch (default: the lifecycle's mode)"))
    .addOption(new Option('--no-run-assembly', 'complete the session without assembling documents'))
    .addOption(new Option('--wait', 'wait until the session has begun and print it'))
    .addHelpText(
      'after',
      examples(
        'hotdocs-temporal follow-up assembly-lease-42 --mode batch --answer-xml-file answers.xml',
        'hotdocs-temporal follow-up assembly-lease-42 --wait',
      ),
    )
    .action((lifecycleId: string, flags: FollowUpFlags, command: Command) =>
      execute(flags, async (connect) => {
        const request = validateFollowUp(await readFollowUpRequest(flags, command));
        const lifecycles = await connect();
        if (flags.wait === true) return lifecycles.beginFollowUp(lifecycleId, request);
        await lifecycles.requestFollowUp(lifecycleId, request);
        return { lifecycleId, queued: true };
      }),
    );
}

/** finish and cancel: messages that end a lifecycle. */
function registerMessages(program: Command): void {
  withConnectionOptions(program.command('finish').argument('<lifecycleId>'))
    .description('Close the lifecycle once no session is active (queued follow-ups still run)')
    .addHelpText('after', examples('hotdocs-temporal finish assembly-lease-42'))
    .action((lifecycleId: string, flags: ConnectionFlags) =>
      execute(flags, async (connect) => {
        await (await connect()).finish(lifecycleId);
        return { lifecycleId, finishRequested: true };
      }),
    );

  withConnectionOptions(program.command('cancel').argument('<lifecycleId>'))
    .description('Cancel the lifecycle; an active session is saved in Advance first')
    .addHelpText('after', examples('hotdocs-temporal cancel assembly-lease-42'))
    .action((lifecycleId: string, flags: ConnectionFlags) =>
      execute(flags, async (connect) => {
        await (await connect()).cancel(lifecycleId);
        return { lifecycleId, cancelRequested: true };
      }),
    );
}

function registerReadCommands(program: Command): void {
  withConnectionOptions(program.command('status').argument('<lifecycleId>'))
    .description("Print the lifecycle's status: stage, active session, completed sessions, queue")
    .addHelpText('after', examples('hotdocs-temporal status assembly-lease-42'))
    .action((lifecycleId: string, flags: ConnectionFlags) =>
      execute(flags, async (connect) => (await connect()).status(lifecycleId)),
    );

  withConnectionOptions(program.command('result').argument('<lifecycleId>'))
    .description(
      'Print the outcome, waiting for the lifecycle to end (--no-wait: fail if it is still running)',
    )
    .addOption(new Option('--no-wait', 'do not wait; error lifecycle-still-running if it has not ended'))
    .addHelpText(
      'after',
      examples(
        'hotdocs-temporal result assembly-lease-42',
        'hotdocs-temporal result assembly-lease-42 --no-wait',
      ),
    )
    .action((lifecycleId: string, flags: ResultFlags) =>
      execute(flags, async (connect) => (await connect()).result(lifecycleId, { wait: flags.wait })),
    );
}

export function withConnectionOptions(command: Command): Command {
  const { address, namespace, taskQueue } = TEMPORAL_SETTINGS;
  return command
    .addOption(new Option('--address <host:port>', `Temporal frontend address (overrides ${address.name})`))
    .addOption(new Option('--namespace <namespace>', `Temporal namespace (overrides ${namespace.name})`))
    .addOption(
      new Option(
        '--task-queue <name>',
        `task queue of the lifecycle workers (overrides ${taskQueue.name}; default: ${taskQueue.default})`,
      ),
    );
}

export function examples(...lines: string[]): string {
  return `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((line) => `  $ ${line}`).join('\n')}`;
}

// ---- running a command ----------------------------------------------------------------------

/** An expected failure of the CLI itself (not of the lifecycle client), with a stable code. */
class CliFailure extends Error {
  constructor(
    readonly code: 'temporal-unreachable' | 'no-interview-waiting',
    message: string,
  ) {
    super(message);
    this.name = 'CliFailure';
  }
}

type Connect = () => Promise<LifecycleClient>;

/**
 * Runs one command: connects only when `work` asks (so input is checked first), prints its
 * result as JSON, reports failures as JSON on stderr, and always closes the connection.
 */
export async function execute<T>(
  flags: ConnectionFlags,
  work: (connect: Connect) => Promise<T>,
  render: (output: T) => string = (output) => JSON.stringify(output, null, 2),
): Promise<void> {
  let address: string | undefined;
  let client: LifecycleClient | undefined;
  const connect: Connect = async () => {
    if (client !== undefined) return client;
    let config: ClientConfig;
    try {
      config = loadClientConfig(process.env, flags);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw configurationError(error);
    }
    address = config.temporal.address;
    try {
      client = await LifecycleClient.connectWith(config);
    } catch (error) {
      throw new CliFailure('temporal-unreachable', `cannot reach Temporal at ${address}: ${describe(error)}`);
    }
    return client;
  };
  try {
    const output = await work(connect);
    process.stdout.write(`${render(output)}\n`);
  } catch (error) {
    const { exitCode, body } = failureReport(error, address);
    process.stderr.write(`${JSON.stringify({ error: body }, null, 2)}\n`);
    process.exitCode = exitCode;
  } finally {
    await client?.close();
  }
}

function failureReport(
  error: unknown,
  address: string | undefined,
): { exitCode: number; body: Record<string, unknown> } {
  if (error instanceof LifecycleClientError) {
    const usage = error.code === 'invalid-input' || error.code === 'invalid-configuration';
    return { exitCode: usage ? 2 : 1, body: error.toJSON() };
  }
  if (error instanceof CliFailure) return { exitCode: 1, body: { code: error.code, message: error.message } };
  if (isTemporalUnavailable(error)) {
    // The server went away after the connection was made.
    const where = address ?? 'its address';
    return {
      exitCode: 1,
      body: {
        code: 'temporal-unreachable',
        message: `cannot reach Temporal at ${where}: ${describe(error)}`,
      },
    };
  }
  // Not one we foresaw: keep the stack, it is what a bug report needs.
  return {
    exitCode: 1,
    body: {
      code: 'unexpected-error',
      message: describe(error),
      ...(error instanceof Error && error.stack !== undefined && { stack: error.stack }),
    },
  };
}

function isRefusal(error: unknown): error is LifecycleClientError {
  return error instanceof LifecycleClientError && error.code === 'request-rejected';
}

/** An error's message with its cause's, which for gRPC failures holds the useful part. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause === undefined || error.message.includes(cause) ? error.message : `${error.message} (${cause})`;
}

// ---- input ----------------------------------------------------------------------------------

/** The lifecycle input from --input <file>, --input - (stdin) or --json, with --business-key applied. */
async function readStartInput(flags: StartFlags): Promise<unknown> {
  if (flags.input !== undefined && flags.json !== undefined) {
    throw new LifecycleInputError([
      'give the input once: --input <file>, --input - or --json, not two of them',
    ]);
  }
  let parsed: unknown;
  if (flags.json !== undefined) {
    parsed = parseJson(flags.json, '--json');
  } else if (flags.input !== undefined) {
    const source = flags.input === '-' ? 'stdin' : `input file ${flags.input}`;
    parsed = parseJson(await readText(flags.input, source, 'lifecycle input'), source);
  } else {
    throw new LifecycleInputError(["no input: give --input <file>, --input - (stdin) or --json '{...}'"]);
  }
  if (flags.businessKey === undefined || !isPlainObject(parsed)) return parsed;
  return { ...parsed, businessKey: flags.businessKey };
}

async function readFollowUpRequest(flags: FollowUpFlags, command: Command): Promise<FollowUpRequest> {
  const answerXml =
    flags.answerXmlFile === undefined
      ? undefined
      : await readText(
          flags.answerXmlFile,
          flags.answerXmlFile === '-' ? 'stdin' : `answer XML file ${flags.answerXmlFile}`,
          'follow-up request',
        );
  // Commander defaults a lone --no-x flag to true; only a flag actually given should override
  // the lifecycle's own runAssembly.
  const runAssemblyGiven = command.getOptionValueSource('runAssembly') === 'cli';
  // The mode goes through the schema unchanged, so a wrong value is reported like any other input problem.
  return {
    ...(answerXml !== undefined && { answerXml }),
    ...(flags.mode !== undefined && { mode: flags.mode as FollowUpRequest['mode'] }),
    ...(runAssemblyGiven && { runAssembly: flags.runAssembly }),
  };
}

/** A file's text, or stdin's for "-"; a missing or unreadable file is an input problem. */
async function readText(pathOrDash: string, source: string, what: string): Promise<string> {
  try {
    return pathOrDash === '-' ? await readStdin() : await readFile(pathOrDash, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : describe(error);
    throw new LifecycleInputError([`cannot read ${source}: ${reason}`], what);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string, source: string): unknown {
  if (text.trim() === '') throw new LifecycleInputError([`${source} is empty`]);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new LifecycleInputError([`${source} is not valid JSON: ${describe(error)}`]);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
