import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadWorkerConfig, type Env } from '../../src/config';
import { resolveWorkerVersion, UNVERSIONED_DEPLOYMENT, workerVersionOptions } from '../../src/worker-version';

/**
 * Which build a worker is (WORKER_BUILD_ID, or derived from the bundle it runs) and how it
 * presents itself to Temporal (WORKER_DEPLOYMENT_NAME: Worker Versioning with auto-upgrade).
 */

const base: Env = {
  ADVANCE_DEPLOYMENT: 'cloud',
  ADVANCE_TENANCY: 'acme',
  ADVANCE_CLIENT_NAME: 'orchestrator',
  ADVANCE_PRINCIPAL_NAME: 'svc-assembly',
  ADVANCE_PRINCIPAL_PASSWORD: 'secret',
};
const VERSION = (
  JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;
const SOURCES = { workflowsPath: '/app/src/workflows' };

let scratch: string;
let bundlePath: string;
const BUNDLE_CODE = '/* a workflow bundle */';

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'hotdocs-version-'));
  bundlePath = path.join(scratch, 'workflow-bundle.js');
  await writeFile(bundlePath, BUNDLE_CODE);
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function problems(env: Env): readonly string[] {
  try {
    loadWorkerConfig({ ...base, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a configuration error');
}

test('the build id: WORKER_BUILD_ID, else the package version and the bundle digest, else "sources"', () => {
  const digest = createHash('sha256').update(BUNDLE_CODE).digest('hex').slice(0, 12);
  const bundle = { workflowBundle: { codePath: bundlePath } };
  expect(resolveWorkerVersion(loadWorkerConfig(base), bundle)).toEqual({
    buildId: `${VERSION}+${digest}`,
    buildIdSource: 'workflow bundle',
  });
  expect(
    resolveWorkerVersion(loadWorkerConfig(base), { workflowBundle: { code: BUNDLE_CODE } }).buildId,
  ).toBe(`${VERSION}+${digest}`);
  expect(resolveWorkerVersion(loadWorkerConfig(base), SOURCES)).toEqual({
    buildId: `${VERSION}+sources`,
    buildIdSource: 'package version (workflow sources)',
  });
  const explicit = loadWorkerConfig({
    ...base,
    WORKER_BUILD_ID: ' 2026.11.28-abc ',
    WORKER_DEPLOYMENT_NAME: 'hotdocs',
  });
  expect(resolveWorkerVersion(explicit, SOURCES)).toEqual({
    buildId: '2026.11.28-abc',
    deploymentName: 'hotdocs',
    buildIdSource: 'WORKER_BUILD_ID',
  });
});

test('a versioned worker on workflow sources needs WORKER_BUILD_ID', () => {
  const config = loadWorkerConfig({ ...base, WORKER_DEPLOYMENT_NAME: 'hotdocs' });
  expect(() => resolveWorkerVersion(config, SOURCES)).toThrow(ConfigError);
  expect(() => resolveWorkerVersion(config, SOURCES)).toThrow(
    /WORKER_BUILD_ID is required with WORKER_DEPLOYMENT_NAME/,
  );
  expect(resolveWorkerVersion(config, { workflowBundle: { codePath: bundlePath } }).deploymentName).toBe(
    'hotdocs',
  );
});

test('names the server would refuse are refused at start-up, by variable', () => {
  for (const name of ['hot.docs', 'hot:docs', '__hotdocs', 'hot docs', 'x'.repeat(109)]) {
    expect(problems({ WORKER_DEPLOYMENT_NAME: name })).toEqual([
      'WORKER_DEPLOYMENT_NAME must be at most 108 characters, no ".", ":" or spaces, not starting with "__"',
    ]);
  }
  for (const id of ['build 7', '__7', 'x'.repeat(109)]) {
    expect(problems({ WORKER_BUILD_ID: id })).toEqual([
      'WORKER_BUILD_ID must be at most 108 characters, no spaces, not starting with "__"',
    ]);
  }
  expect(loadWorkerConfig({ ...base, WORKER_DEPLOYMENT_NAME: 'x'.repeat(108) }).deploymentName).toHaveLength(
    108,
  );
  // A build id may hold the dots and plus of a version.
  expect(loadWorkerConfig({ ...base, WORKER_BUILD_ID: '1.2.3+4f5e6d' }).buildId).toBe('1.2.3+4f5e6d');
});

test('versioned: the deployment version with auto-upgrade; unversioned: the build id only', () => {
  const versioned = workerVersionOptions({
    buildId: 'b2',
    deploymentName: 'hotdocs',
    buildIdSource: 'WORKER_BUILD_ID',
  });
  expect(versioned.workerDeploymentOptions).toEqual({
    version: { deploymentName: 'hotdocs', buildId: 'b2' },
    useWorkerVersioning: true,
    defaultVersioningBehavior: 'AUTO_UPGRADE',
  });
  expect(versioned.identity).toMatch(new RegExp(`^${process.pid}@.+ build b2$`));
  const unversioned = workerVersionOptions({ buildId: 'b1', buildIdSource: 'WORKER_BUILD_ID' });
  expect(unversioned.workerDeploymentOptions).toEqual({
    version: { deploymentName: UNVERSIONED_DEPLOYMENT, buildId: 'b1' },
    useWorkerVersioning: false,
  });
});
