import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { lifecycleInput } from '../support/lifecycle-harness';
import { call, KEYS, waitForInterview } from '../support/gateway-harness';
import { gatewayTestbed } from '../support/testbed';

/**
 * The OpenAPI fuzzer schemathesis (PyPI, pinned in tools/schemathesis/install.sh) against the
 * gateway's own /v1/openapi.json, with a valid API key, in front of the run's Temporal dev server,
 * an in-process worker and the emulator: for a bounded time it generates valid and invalid
 * requests for every operation. No answer may be a server error, and every answer must be what
 * the document says (status codes, content types, headers, bodies).
 *
 * SCHEMATHESIS_MAX_TIME (seconds, default 120) and SCHEMATHESIS_SEED (default fixed, so CI runs
 * are repeatable) change the run.
 */

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const MAX_TIME_SECONDS = Number(process.env['SCHEMATHESIS_MAX_TIME'] ?? '120');
const SEED = process.env['SCHEMATHESIS_SEED'] ?? '20261128';
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
  'negative_data_rejection',
  'unsupported_method',
  'allow_header_conformance',
];

let schemathesis: string;
let reports: string;

const bed = gatewayTestbed({
  // The fuzzer sends thousands of requests a minute with one key and from one address.
  env: {
    GATEWAY_RATE_LIMIT_PER_MINUTE: '1000000',
    GATEWAY_ADDRESS_RATE_LIMIT_PER_MINUTE: '1000000',
    GATEWAY_WAIT_LIMIT: '1s',
  },
});

beforeAll(async () => {
  const installed = await run('bash', [path.join(ROOT, 'tools', 'schemathesis', 'install.sh')], {
    cwd: ROOT,
    timeout: 10 * 60_000,
  });
  schemathesis = installed.stdout.trim().split('\n').pop() ?? '';
  reports = await mkdtemp(path.join(tmpdir(), 'schemathesis-'));
  // A lifecycle that exists, waiting for its interview, so the fuzzer meets real ones too.
  const started = await call(`${bed.gateway.url}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: 'fuzz-waiting' }),
  });
  await waitForInterview(bed.gateway.url, started.json.id);
}, 12 * 60_000);

afterAll(async () => {
  if (reports !== undefined) await rm(reports, { recursive: true, force: true });
});

test(
  'schemathesis finds no server error and no answer that breaks the OpenAPI document',
  async () => {
    const junit = path.join(reports, 'junit.xml');
    const args = [
      'run',
      `${bed.gateway.url}/v1/openapi.json`,
      '--header',
      `Authorization: Bearer ${KEYS.ops}`,
      '--checks',
      CHECKS.join(','),
      '--max-time',
      String(MAX_TIME_SECONDS),
      '--seed',
      SEED,
      '--workers',
      '1',
      '--request-timeout',
      '10',
      '--report',
      'junit',
      '--report-junit-path',
      junit,
    ];
    const outcome = await run(schemathesis, args, {
      cwd: reports,
      timeout: (MAX_TIME_SECONDS + 120) * 1000,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false' },
    }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({
        code: error.code ?? -1,
        stdout: `${error.stdout ?? ''}\n${error.stderr ?? ''}`,
      }),
    );
    process.stdout.write(`${fuzzRecord(outcome)}\n`);
    const report = await readFile(junit, 'utf8');
    // Every operation of the document was fuzzed: a test case each, named `METHOD /path`.
    const fuzzed = [...report.matchAll(/<testcase name="([A-Z]+ \/[^"]*)"/g)].map((m) => m[1]);
    expect(fuzzed.sort()).toEqual(await documentedOperations());
    expect(outcome.code).toBe(0);
    expect(report).not.toMatch(/<failure/);
  },
  (MAX_TIME_SECONDS + 180) * 1000,
);

/** `METHOD /path` of every operation `/v1/openapi.json` lists, sorted. */
async function documentedOperations(): Promise<string[]> {
  const doc = (await call(`${bed.gateway.url}/v1/openapi.json`, { key: null })).json as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.entries(doc.paths)
    .flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    )
    .sort();
}

/**
 * What the fuzz run did, for the record of the test run. When something failed: the whole
 * FAILURES section (each case with its request and a curl line to reproduce it). When all passed:
 * the summary without its `=== … ===` banners, whose pytest-like closing line (`2 warnings in
 * 120s`) would otherwise sit in the log looking like a test run that executed nothing.
 */
function fuzzRecord(outcome: { code: number; stdout: string }): string {
  const failures = outcome.stdout.indexOf('FAILURES');
  if (outcome.code !== 0 && failures >= 0) return outcome.stdout.slice(failures);
  const summary = outcome.stdout.split('\n').slice(-40);
  const lines = outcome.code === 0 ? summary.filter((line) => !/^={3,}/.test(line)) : summary;
  return ['schemathesis:', ...lines].join('\n');
}
