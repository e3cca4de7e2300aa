import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KEYS } from '../support/gateway-harness';
import { expectDocumentsAsAssembled, pythonForExample } from '../support/python-example';
import { gatewayTestbed } from '../support/testbed';

/**
 * A Python client generated from the gateway's own /v1/openapi.json by openapi-python-client
 * (pinned in examples/python-openapi-client/requirements.txt), as examples/python-openapi-client
 * says, with warnings failing the generation; then the example's program, which imports only that
 * client, drives a lifecycle against the run's Temporal dev server, an in-process worker, the
 * emulator and the gateway: start, interview, finish through the signed link, result, documents.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLE = path.join(ROOT, 'examples', 'python-openapi-client');
const PACKAGE = 'hotdocs_gateway_client';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { ...options, timeout: 180_000 }, (error, stdout, stderr) =>
      resolve({
        code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
        stdout,
        stderr,
      }),
    );
  });
}

let python: string;
let scratch: string;
let generation: Run;

const bed = gatewayTestbed();

beforeAll(async () => {
  python = pythonForExample('examples/python-openapi-client');
  scratch = await mkdtemp(path.join(tmpdir(), 'hotdocs-openapi-client-'));
  const bin = path.dirname(python);
  // The generator formats what it writes with ruff (installed beside it): it must be on PATH.
  generation = await run(
    path.join(bin, 'openapi-python-client'),
    [
      'generate',
      '--url',
      `${bed.gateway.url}/v1/openapi.json`,
      '--meta',
      'none',
      '--output-path',
      path.join(scratch, PACKAGE),
      '--fail-on-warning',
    ],
    { cwd: scratch, env: { PATH: `${bin}${path.delimiter}${process.env['PATH']}`, NO_COLOR: '1' } },
  );
}, 600_000);

afterAll(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

test('the generator writes the client without a warning: a function per operation, one model per shape', async () => {
  expect({ code: generation.code, output: `${generation.stdout}${generation.stderr}` }).toEqual({
    code: 0,
    output: expect.not.stringMatching(/warning|error/i),
  });
  const functions = [];
  for (const tag of await readdir(path.join(scratch, PACKAGE, 'api'), { withFileTypes: true })) {
    if (!tag.isDirectory()) continue;
    for (const file of await readdir(path.join(tag.parentPath, tag.name))) {
      if (file.endsWith('.py') && file !== '__init__.py') functions.push(`${tag.name}.${file.slice(0, -3)}`);
    }
  }
  expect(functions.sort()).toEqual([
    'assemblies.cancel_assembly',
    'assemblies.finish_assembly',
    'assemblies.get_assembly',
    'assemblies.get_assembly_result',
    'assemblies.repair_assemblies',
    'assemblies.repair_assembly',
    'assemblies.request_follow_up',
    'assemblies.start_assembly',
    'documents.download_document',
    'documents.list_documents',
    'health.get_health',
    'health.get_readiness',
    'interview.finish_interview',
    'interview.get_interview',
  ]);
  const models = await readFile(path.join(scratch, PACKAGE, 'models', '__init__.py'), 'utf8');
  const names = [...(/__all__ = \(([^)]*)\)/.exec(models)?.[1] ?? '').matchAll(/"(\w+)"/g)].map((m) => m[1]);
  expect(names).toEqual(
    expect.arrayContaining(['AssemblyRequest', 'AssemblyStatus', 'CompletedSession', 'Error']),
  );
  expect(names.filter((name) => name?.includes('Input'))).toEqual([]);
  // A download returns the bytes.
  const download = await readFile(
    path.join(scratch, PACKAGE, 'api', 'documents', 'download_document.py'),
    'utf8',
  );
  expect(download).toContain('File(payload=BytesIO(response.content))');
});

test('a program with the generated client completes a lifecycle and downloads its documents, checked', async () => {
  const businessKey = `generated-${randomUUID()}`;
  const program = await run(
    python,
    [path.join(EXAMPLE, 'business_system.py'), '--business-key', businessKey, '--out', 'out'],
    {
      cwd: scratch,
      env: {
        PATH: process.env['PATH'],
        PYTHONPATH: scratch,
        HOTDOCS_GATEWAY_URL: bed.gateway.url,
        HOTDOCS_GATEWAY_API_KEY: KEYS.crm,
      },
    },
  );
  expect({ code: program.code, stderr: program.stderr }).toEqual({ code: 0, stderr: '' });
  const output = JSON.parse(program.stdout);
  expect(output).toMatchObject({
    lifecycleId: `assembly-${businessKey}`,
    outcome: 'completed',
    interviewCompleted: true,
  });

  // The lifecycle it drove is a real one, completed, with the session whose link it posted.
  const result = await bed.h.lifecycles.result(output.lifecycleId);
  expect(result.sessions.map((s) => s.versionId)).toEqual([output.versionId]);
  expect(output.documents).toHaveLength(2);
  await expectDocumentsAsAssembled(bed.h, output.workItemId, output.documents, scratch);
  expect(new Set(output.documents.map((d: { contentType: string }) => d.contentType)).size).toBe(2);
}, 180_000);
