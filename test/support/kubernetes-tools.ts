import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * The chart's checkers: the pinned Helm (tools/kubernetes/versions.env) and the strict manifest
 * decoder (tools/kubernetes/manifest-check), built by tools/kubernetes/install.sh into .tools/ —
 * on demand when missing, as the other test tools are (.ci/run installs them first).
 */

const ROOT = path.resolve(__dirname, '..', '..');
const INSTALL_SCRIPT = path.join(ROOT, 'tools', 'kubernetes', 'install.sh');
const CHECKER_SOURCES = path.join(ROOT, 'tools', 'kubernetes', 'manifest-check');
export const CHART_DIR = path.join(ROOT, 'deploy', 'helm', 'hotdocs-temporal');
/** Realistic value files of the chart, one per kind of installation (kept out of `helm package`). */
export const CHART_VALUE_FILES_DIR = path.join(CHART_DIR, 'ci');

export function helmVersion(): string {
  const pins = readFileSync(path.join(ROOT, 'tools', 'kubernetes', 'versions.env'), 'utf8');
  const version = /^HELM_MODULE_VERSION=(\S+)$/m.exec(pins)?.[1];
  if (version === undefined) throw new Error('tools/kubernetes/versions.env must set HELM_MODULE_VERSION');
  return version;
}

/** The decoder's build key: the same hash of its sources as install.sh computes. */
function checkerHash(): string {
  const files = readdirSync(CHECKER_SOURCES)
    .filter((file) => file === 'go.mod' || file === 'go.sum' || file.endsWith('.go'))
    .sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(path.join(CHECKER_SOURCES, file)));
  }
  return hash.digest('hex').slice(0, 12);
}

export interface KubernetesTools {
  helm: string;
  manifestCheck: string;
}

/** Helm and manifest-check, installed first when missing (minutes the first time on a new machine). */
export function ensureKubernetesTools(): KubernetesTools {
  const tools = {
    helm: path.join(ROOT, '.tools', `helm-${helmVersion()}`, 'helm'),
    manifestCheck: path.join(ROOT, '.tools', `manifest-check-${checkerHash()}`, 'manifest-check'),
  };
  if (!existsSync(tools.helm) || !existsSync(tools.manifestCheck)) {
    const result = spawnSync('bash', [INSTALL_SCRIPT], { encoding: 'utf8', stdio: 'pipe' });
    if (result.status !== 0 || !existsSync(tools.helm) || !existsSync(tools.manifestCheck))
      throw new Error(
        `the chart's tools are not installed and bash ${INSTALL_SCRIPT} failed:\n${result.stderr}`,
      );
  }
  return tools;
}

export interface ToolRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(binary: string, args: string[], input?: string): ToolRun {
  const result = spawnSync(binary, args, {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: 'pipe',
    input,
    maxBuffer: 64 * 1024 * 1024,
  });
  // Helm reports the chart's symbolic links (files/ names deploy/monitoring/ files) at INFO level.
  const stderr = result.stderr
    .split('\n')
    .filter((line) => !/level=INFO msg="found symbolic link in path/.test(line))
    .join('\n')
    .trim();
  return { status: result.status, stdout: result.stdout, stderr };
}

/** The release name every test renders with. */
export const RELEASE = 'docs';

/** `helm template` of the chart with value files (relative to the chart) and --set pairs. */
export function helmTemplate(
  tools: KubernetesTools,
  valueFiles: string[] = [],
  sets: string[] = [],
): ToolRun {
  return run(tools.helm, [
    'template',
    RELEASE,
    CHART_DIR,
    ...valueFiles.flatMap((file) => ['--values', path.resolve(CHART_DIR, file)]),
    ...sets.flatMap((set) => ['--set', set]),
  ]);
}

export function helmLint(tools: KubernetesTools, valueFiles: string[] = []): ToolRun {
  return run(tools.helm, [
    'lint',
    '--strict',
    CHART_DIR,
    ...valueFiles.flatMap((file) => ['--values', path.resolve(CHART_DIR, file)]),
  ]);
}

/** manifest-check on rendered manifests (standard input). */
export function manifestCheck(tools: KubernetesTools, manifests: string): ToolRun {
  return run(tools.manifestCheck, ['-'], manifests);
}

/** The chart's realistic value files, relative to the chart. */
export function chartValueFiles(): string[] {
  return readdirSync(CHART_VALUE_FILES_DIR)
    .filter((file) => file.endsWith('-values.yaml'))
    .sort()
    .map((file) => path.join('ci', file));
}

/** A rendered object, as far as these tests read it. */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  [field: string]: unknown;
}

export function parseManifests(manifests: string): RenderedObject[] {
  return parseAllDocuments(manifests)
    .map((document) => document.toJS() as RenderedObject | null)
    .filter((object): object is RenderedObject => object !== null);
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: EnvVar[];
  ports?: { name: string; containerPort: number }[];
  securityContext?: Record<string, unknown>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  volumeMounts?: { name: string; mountPath: string }[];
  lifecycle?: Record<string, unknown>;
}

export interface Probe {
  httpGet?: { path: string; port: string | number };
}

export interface PodSpec {
  containers: Container[];
  volumes?: Record<string, unknown>[];
  securityContext?: Record<string, unknown>;
  automountServiceAccountToken?: boolean;
  enableServiceLinks?: boolean;
  terminationGracePeriodSeconds?: number;
  serviceAccountName?: string;
}

/** Every Deployment's pod spec, by the component label. */
export function deployments(objects: RenderedObject[]): { name: string; component: string; pod: PodSpec }[] {
  return objects
    .filter((object) => object.kind === 'Deployment')
    .map((object) => ({
      name: object.metadata.name,
      component: object.metadata.labels?.['app.kubernetes.io/component'] ?? '',
      pod: (object.spec as { template: { spec: PodSpec } }).template.spec,
    }));
}
