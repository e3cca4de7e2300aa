import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { loadCodecServerConfig, loadGatewayConfig, loadWorkerConfig, type Env } from '../../src/config';
import { parseDuration } from '../../src/workflows/duration';
import {
  ownVariables,
  unknownVariables,
  variablesRead,
  type ChartComponent,
} from '../support/chart-environment';
import {
  CHART_DIR,
  chartValueFiles,
  deployments,
  ensureKubernetesTools,
  helmLint,
  helmTemplate,
  manifestCheck,
  parseManifests,
  type Container,
  type KubernetesTools,
  type PodSpec,
  type RenderedObject,
} from '../support/kubernetes-tools';

/**
 * The Helm chart (deploy/helm/hotdocs-temporal) checked without a cluster: linted and rendered by
 * the pinned Helm for the default values and each realistic value file (ci/*-values.yaml), every
 * rendered object decoded strictly into the Kubernetes, Prometheus operator and KEDA Go types
 * (tools/kubernetes/manifest-check), every pod's environment held to what its process reads, and
 * that environment run through the configuration loaders. docs/deploy.md ("Kubernetes") says what
 * only a cluster can show.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts', 'helm');
/** The default values, then each realistic value file. */
const VALUE_SETS: { label: string; files: string[] }[] = [
  { label: 'default values', files: [] },
  ...chartValueFiles().map((file) => ({ label: file, files: [file] })),
];
const SELF_HOSTED = 'ci/self-hosted-mtls-values.yaml';

let tools: KubernetesTools;
/** Each value set's rendered manifests. */
const rendered = new Map<string, string>();

beforeAll(() => {
  tools = ensureKubernetesTools();
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const { label, files } of VALUE_SETS) {
    const run = helmTemplate(tools, files);
    if (run.status !== 0) throw new Error(`helm template with ${label} failed:\n${run.stderr}`);
    rendered.set(label, run.stdout);
  }
}, 40 * 60_000);

function objectsOf(label: string): RenderedObject[] {
  const manifests = rendered.get(label);
  if (manifests === undefined) throw new Error(`nothing rendered for ${label}`);
  return parseManifests(manifests);
}

function artifactName(label: string): string {
  return label === 'default values' ? 'default' : path.basename(label, '-values.yaml');
}

describe('helm lint, helm template and the strict decode', () => {
  test.each(VALUE_SETS)('$label: lints, renders, and every object decodes strictly', ({ label, files }) => {
    const lint = helmLint(tools, files);
    expect({ label, status: lint.status, output: lint.stdout }).toEqual({
      label,
      status: 0,
      output: expect.stringContaining('1 chart(s) linted, 0 chart(s) failed'),
    });
    const manifests = rendered.get(label) ?? '';
    const check = manifestCheck(tools, manifests);
    // The rendered manifests and the decoder's verdict, kept for whoever reads the CI run.
    writeFileSync(path.join(ARTIFACTS, `${artifactName(label)}.yaml`), manifests);
    writeFileSync(
      path.join(ARTIFACTS, `${artifactName(label)}.manifest-check.txt`),
      check.stdout + check.stderr,
    );
    const objects = parseManifests(manifests);
    expect({ label, status: check.status, stderr: check.stderr }).toEqual({ label, status: 0, stderr: '' });
    expect(check.stdout).toContain(`manifest-check: ${objects.length} objects, 0 failed`);
    expect(check.stdout.split('\n').filter((line) => line.startsWith('ok    '))).toHaveLength(objects.length);
  });

  test('the default values render the three Deployments, their Services, budgets and policies', () => {
    const kinds = objectsOf('default values').map((o) => `${o.kind} ${o.metadata.name}`);
    expect(kinds.sort()).toEqual(
      [
        'Deployment docs-hotdocs-temporal-worker',
        'Deployment docs-hotdocs-temporal-gateway',
        'Deployment docs-hotdocs-temporal-codec',
        'Service docs-hotdocs-temporal-gateway',
        'Service docs-hotdocs-temporal-codec',
        'PodDisruptionBudget docs-hotdocs-temporal-worker',
        'PodDisruptionBudget docs-hotdocs-temporal-gateway',
        'PodDisruptionBudget docs-hotdocs-temporal-codec',
        'NetworkPolicy docs-hotdocs-temporal-worker',
        'NetworkPolicy docs-hotdocs-temporal-gateway',
        'NetworkPolicy docs-hotdocs-temporal-codec',
        'ServiceAccount docs-hotdocs-temporal',
      ].sort(),
    );
  });
});

describe('the checks fail when the chart is wrong', () => {
  /** The first occurrence of `from` replaced, asserting it was there. */
  function edit(manifests: string, from: string, to: string): string {
    expect(manifests).toContain(from);
    return manifests.replace(from, to);
  }

  test('a misspelt field of a Kubernetes object fails the strict decode, which names it', () => {
    const typo = edit(
      rendered.get('default values') ?? '',
      'terminationGracePeriodSeconds:',
      'terminationGracePeriodSecond:',
    );
    const check = manifestCheck(tools, typo);
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(
      /FAIL {2}apps\/v1 Deployment docs-hotdocs-temporal-gateway \(hotdocs-temporal\/templates\/gateway-deployment\.yaml\)\n {8}unknown field "spec\.template\.spec\.terminationGracePeriodSecond"/,
    );
    expect(check.stdout).toContain('1 failed');
  });

  test('misspelt fields of the Prometheus operator and KEDA objects fail too', () => {
    let typo = rendered.get(SELF_HOSTED) ?? '';
    typo = edit(typo, '      interval: 30s', '      intervall: 30s');
    typo = edit(typo, '  cooldownPeriod: 300', '  cooldownPeriode: 300');
    typo = edit(typo, '    - parameter: cert\n      name:', '    - parameter: cert\n      nmae:');
    const check = manifestCheck(tools, typo);
    expect(check.status).toBe(1);
    expect(check.stdout).toContain('unknown field "spec.endpoints[0].intervall"');
    expect(check.stdout).toContain('unknown field "spec.cooldownPeriode"');
    expect(check.stdout).toContain('unknown field "spec.secretTargetRef[0].nmae"');
    expect(check.stdout).toContain('3 failed');
  });

  test("a misspelt parameter of KEDA's temporal trigger fails, though KEDA's types hold it as a plain map", () => {
    const typo = edit(rendered.get(SELF_HOSTED) ?? '', 'targetQueueSize: "10"', 'targetQueueSise: "10"');
    const check = manifestCheck(tools, typo);
    expect(check.status).toBe(1);
    expect(check.stdout).toContain(
      `temporal trigger: unknown metadata parameter "targetQueueSise" (not a parameter of KEDA's temporal scaler)`,
    );
  });

  test('a Service whose selector matches no pod fails', () => {
    const typo = edit(
      rendered.get('default values') ?? '',
      '  selector:\n    app.kubernetes.io/name: hotdocs-temporal\n    app.kubernetes.io/instance: docs\n    app.kubernetes.io/component: codec',
      '  selector:\n    app.kubernetes.io/name: hotdocs-temporal\n    app.kubernetes.io/instance: docs\n    app.kubernetes.io/component: codecs',
    );
    const check = manifestCheck(tools, typo);
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(
      /FAIL {2}v1 Service docs-hotdocs-temporal-codec[^\n]*\n {8}spec\.selector: selects no pod/,
    );
  });

  test('an environment variable no process reads fails the environment check, which names it', () => {
    const manifests = rendered.get('default values') ?? '';
    expect(unknownVariables(parseManifests(manifests))).toEqual([]);
    const typo = edit(
      manifests,
      '            - name: WORKER_SHUTDOWN_GRACE_TIME\n',
      '            - name: WORKER_SHUTDOWN_GRACE_TIMEOUT\n',
    );
    expect(unknownVariables(parseManifests(typo))).toEqual([
      {
        deployment: 'docs-hotdocs-temporal-worker',
        container: 'worker',
        variable: 'WORKER_SHUTDOWN_GRACE_TIMEOUT',
      },
    ]);
    // A gateway variable on the worker is as wrong: the worker does not read it.
    const misplaced = edit(
      manifests,
      '            - name: WORKER_HTTP_HOST\n',
      '            - name: GATEWAY_HOST\n',
    );
    expect(unknownVariables(parseManifests(misplaced))).toEqual([
      { deployment: 'docs-hotdocs-temporal-worker', container: 'worker', variable: 'GATEWAY_HOST' },
    ]);
  });

  test('a misspelt value, or a variable no process reads in <component>.env, is refused by the chart', () => {
    const key = helmTemplate(tools, [], ['worker.replcas=3']);
    expect(key.status).toBe(1);
    expect(key.stderr).toContain("at '/worker': additional properties 'replcas' not allowed");
    const variable = helmTemplate(tools, [], ['gateway.env.GATEWAY_RATE_LIMIT=10']);
    expect(variable.status).toBe(1);
    expect(variable.stderr).toContain("invalid propertyName 'GATEWAY_RATE_LIMIT'");
  });
});

/**
 * Value sets that between them set every value the chart turns into a variable: the realistic
 * files, and the alternatives none of them takes (the other stores' sign-ins, an S3-compatible
 * server, the console exporter).
 */
const EVERY_VARIABLE: { label: string; files: string[]; sets: string[] }[] = [
  ...VALUE_SETS.map(({ label, files }) => ({ label, files, sets: [] })),
  {
    label: 'S3-compatible server with a key',
    files: [],
    sets: [
      'documentStore.s3.endpoint=http://minio.storage:9000',
      'documentStore.s3.publicEndpoint=https://files.example.com',
      'documentStore.s3.forcePathStyle=true',
      'documentStore.s3.accessKeyId=hotdocs',
      'documentStore.s3.sseKmsKeyId=alias/hotdocs',
      'documentStore.s3.sse=aws:kms',
      'tracing.exporter=console',
      'tracing.otlpTracesEndpoint=http://collector:4318/v1/traces',
      'tracing.protocol=http/json',
    ],
  },
  {
    label: "HotDocs Advance's webhook by HMAC and by access token",
    files: [],
    sets: ['advance.webhook.hmac=true', 'advance.webhook.bearer=true'],
  },
  {
    label: 'Azure with a connection string',
    files: [],
    sets: [
      'documentStore.kind=azure-blob',
      'documentStore.azureBlob.prefix=lifecycles/',
      'documentStore.azureBlob.encryptionScope=hotdocs',
      'documentStore.azureBlob.publicUrl=https://files.example.com',
    ],
  },
  {
    label: 'Azure with an account key',
    files: [],
    sets: [
      'documentStore.kind=azure-blob',
      'documentStore.azureBlob.accountUrl=https://acme.blob.core.windows.net',
      'documentStore.azureBlob.useAccountKey=true',
    ],
  },
  {
    label: 'explicit Advance URLs',
    files: [],
    sets: [
      'advance.baseUrl=https://advance.example.com/api/rest/v1.1',
      'advance.authUrl=https://advance.example.com/auth',
    ],
  },
];

describe('environment', () => {
  test('every variable the chart sets on a pod is one its process reads', () => {
    for (const { label } of VALUE_SETS)
      expect({ label, unknown: unknownVariables(objectsOf(label)) }).toEqual({ label, unknown: [] });
  });

  test('every variable each process reads is set by a value or can be given in <component>.env, and only once', () => {
    const schema = JSON.parse(readFileSync(path.join(CHART_DIR, 'values.schema.json'), 'utf8')) as {
      properties: Record<string, { properties?: { env?: { propertyNames: { enum: string[] } } } }>;
    };
    const tunable = (component: ChartComponent): string[] =>
      schema.properties[component]?.properties?.env?.propertyNames.enum ?? [];
    const set: Record<ChartComponent, Set<string>> = {
      worker: new Set(),
      gateway: new Set(),
      codec: new Set(),
    };
    for (const { label, files, sets } of EVERY_VARIABLE) {
      const run = helmTemplate(tools, files, sets);
      expect({ label, status: run.status, stderr: run.stderr }).toEqual({ label, status: 0, stderr: '' });
      const objects = parseManifests(run.stdout);
      expect({ label, unknown: unknownVariables(objects) }).toEqual({ label, unknown: [] });
      for (const { component, pod } of deployments(objects))
        for (const variable of pod.containers.flatMap((c) => c.env ?? []))
          set[component as ChartComponent].add(variable.name);
    }
    for (const component of ['worker', 'gateway', 'codec'] as const) {
      const chartSet = [...set[component]].filter((name) => !tunable(component).includes(name));
      // The chart never hands over a secret's value, only its file: NAME is covered by NAME_FILE.
      const secretsAsFiles = chartSet
        .filter((name) => name.endsWith('_FILE'))
        .map((name) => name.slice(0, -5));
      const reachable = new Set([...chartSet, ...tunable(component), ...secretsAsFiles]);
      const own = ownVariables(component).sort();
      expect({ component, reachable: own.filter((name) => reachable.has(name)) }).toEqual({
        component,
        reachable: own,
      });
      // What <component>.env accepts is read by the process and never set by the chart itself.
      for (const name of tunable(component)) {
        expect({ component, name, read: variablesRead(component).has(name) }).toEqual({
          component,
          name,
          read: true,
        });
        expect({ component, name, chartSets: chartSet.includes(name) }).toEqual({
          component,
          name,
          chartSets: false,
        });
      }
    }
  });

  describe('the environment each process gets passes its configuration loader', () => {
    let dir: string;
    let secrets: string;
    beforeAll(() => {
      // The secret files deploy/create-secrets.sh writes are the keys the chart reads from the
      // Secret (docs/deploy.md, "Kubernetes": kubectl create secret generic --from-file=...).
      dir = mkdtempSync(path.join(os.tmpdir(), 'hotdocs-chart-'));
      cpSync(path.join(ROOT, 'deploy'), path.join(dir, 'deploy'), {
        recursive: true,
        filter: (source) => !source.includes(`${path.sep}secrets`) && !source.includes(`${path.sep}helm`),
      });
      execFileSync('bash', [path.join(dir, 'deploy', 'create-secrets.sh'), '--sandbox'], {
        env: { PATH: process.env['PATH'] ?? '' },
      });
      secrets = path.join(dir, 'deploy', 'secrets');
      // A cert-manager Secret of the worker's certificate, as the temporal-tls volume holds it.
      mkdirSync(path.join(dir, 'temporal-tls'));
      for (const [file, made] of [
        ['ca.crt', 'tls_ca'],
        ['tls.crt', 'tls_worker_cert'],
        ['tls.key', 'tls_worker_key'],
      ] as const)
        cpSync(path.join(secrets, made), path.join(dir, 'temporal-tls', file));
      // The Azure store's keys and a tenancies file are not the compose stack's: written here.
      writeFileSync(
        path.join(secrets, 'document_store_azure_connection_string'),
        'UseDevelopmentStorage=true\n',
      );
      writeFileSync(
        path.join(secrets, 'document_store_azure_account_key'),
        `${Buffer.alloc(64, 7).toString('base64')}\n`,
      );
      mkdirSync(path.join(dir, 'tenancies'));
      writeFileSync(path.join(dir, 'tenancies', 'acme-password'), 'secret\n');
      writeFileSync(
        path.join(dir, 'tenancies', 'tenancies.json'),
        JSON.stringify({
          tenancies: {
            acme: {
              deployment: 'cloud',
              tenancy: 'acme',
              clientName: 'hotdocs-temporal',
              principalName: 'orchestrator',
              principalPasswordFile: 'acme-password',
            },
          },
        }),
      );
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** A container's environment as the pod gets it, with the mounted files mapped to local ones. */
    function environmentOf(container: Container): Env {
      const env: Env = {};
      for (const variable of container.env ?? []) {
        const value =
          variable.valueFrom?.secretKeyRef !== undefined ? 'from-a-secret' : (variable.value ?? '');
        env[variable.name] = value
          .replace(/^\/run\/secrets\/hotdocs\//, `${secrets}/`)
          .replace(/^\/run\/secrets\/temporal-tls\//, `${path.join(dir, 'temporal-tls')}/`)
          .replace(/^\/etc\/hotdocs\/tenancies\//, `${path.join(dir, 'tenancies')}/`);
      }
      return env;
    }

    test.each(chartValueFiles())('%s', (file) => {
      const objects = objectsOf(file);
      const byComponent = new Map(deployments(objects).map((d) => [d.component, d.pod.containers[0]!]));
      const worker = byComponent.get('worker')!;
      const workerConfig = loadWorkerConfig(environmentOf(worker));
      expect(workerConfig.http).toEqual({ host: '0.0.0.0', port: portOf(worker, 'http') });
      const gateway = byComponent.get('gateway')!;
      const gatewayConfig = loadGatewayConfig(environmentOf(gateway));
      expect({ port: gatewayConfig.port, metrics: gatewayConfig.metrics }).toEqual({
        port: portOf(gateway, 'http'),
        metrics: { host: '0.0.0.0', port: portOf(gateway, 'metrics') },
      });
      // The gateway serves the documents from the very store the worker writes to.
      expect(gatewayConfig.documentStore).toEqual(workerConfig.documentStore);
      const codec = byComponent.get('codec');
      if (codec !== undefined) {
        const codecConfig = loadCodecServerConfig(environmentOf(codec));
        expect(codecConfig).toMatchObject({
          host: '0.0.0.0',
          port: portOf(codec, 'http'),
          allowUnauthenticated: false,
        });
        expect(codecConfig.keys).toEqual(workerConfig.encryptionKeys);
      }
    });
  });
});

function portOf(container: Container, name: string): number | undefined {
  return container.ports?.find((port) => port.name === name)?.containerPort;
}

function env(container: Container): Record<string, string> {
  return Object.fromEntries((container.env ?? []).map((v) => [v.name, v.value ?? '']));
}

describe('pods', () => {
  const everyPod = (): { label: string; name: string; component: string; pod: PodSpec }[] =>
    VALUE_SETS.flatMap(({ label }) => deployments(objectsOf(label)).map((d) => ({ label, ...d })));

  test('non-root, read-only root file system, no privilege escalation, no capabilities, no API token', () => {
    for (const { name, pod } of everyPod()) {
      expect({ name, pod: pod.securityContext }).toEqual({
        name,
        pod: expect.objectContaining({
          runAsNonRoot: true,
          runAsUser: 1000,
          seccompProfile: { type: 'RuntimeDefault' },
        }),
      });
      // No token, and no Service variables injected beside the ones the chart sets.
      expect({ name, token: pod.automountServiceAccountToken, links: pod.enableServiceLinks }).toEqual({
        name,
        token: false,
        links: false,
      });
      for (const container of pod.containers) {
        expect({ name, security: container.securityContext }).toEqual({
          name,
          security: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
        });
        // The one writable place is /tmp.
        expect(container.volumeMounts?.find((m) => m.mountPath === '/tmp')?.name).toBe('tmp');
      }
    }
    const serviceAccount = objectsOf('default values').find((o) => o.kind === 'ServiceAccount');
    expect(serviceAccount?.['automountServiceAccountToken']).toBe(false);
  });

  test('probes: /healthz for liveness, /readyz for readiness (the codec endpoint has /healthz only), on the port the process listens on', () => {
    for (const { name, component, pod } of everyPod()) {
      const container = pod.containers[0]!;
      const probe = (kind: 'livenessProbe' | 'readinessProbe') => container[kind]?.httpGet;
      expect({ name, liveness: probe('livenessProbe') }).toEqual({
        name,
        liveness: { path: '/healthz', port: 'http' },
      });
      expect({ name, readiness: probe('readinessProbe') }).toEqual({
        name,
        readiness: { path: component === 'codec' ? '/healthz' : '/readyz', port: 'http' },
      });
      const listens =
        { worker: 'WORKER_HTTP_PORT', gateway: 'GATEWAY_PORT', codec: 'CODEC_PORT' }[component] ?? '';
      expect({ name, port: String(portOf(container, 'http')) }).toEqual({
        name,
        port: env(container)[listens],
      });
    }
  });

  test("the worker's termination grace period outlasts WORKER_SHUTDOWN_GRACE_TIME", () => {
    for (const { name, component, pod } of everyPod()) {
      if (component !== 'worker') continue;
      const drain = parseDuration(env(pod.containers[0]!)['WORKER_SHUTDOWN_GRACE_TIME'] ?? '') ?? 0;
      expect(drain).toBeGreaterThan(0);
      expect({ name, grace: (pod.terminationGracePeriodSeconds ?? 30) * 1000 }).toEqual({
        name,
        grace: expect.any(Number),
      });
      expect((pod.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThanOrEqual(drain + 10_000);
    }
  });

  test('the default image is the one compose builds; the chart is of this release', () => {
    const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, { image?: string }>;
    };
    for (const { component, pod } of deployments(objectsOf('default values')))
      expect({ component, image: pod.containers[0]!.image }).toEqual({
        component,
        image: compose.services[component]?.image,
      });
    const chart = parse(readFileSync(path.join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { appVersion: string };
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(chart.appVersion).toBe(pkg.version);
  });

  test('secrets come from existing Secrets, as files: the chart renders no Secret and no secret value', () => {
    for (const { label } of VALUE_SETS) {
      const objects = objectsOf(label);
      expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
      for (const { name, pod } of deployments(objects)) {
        const mounts = pod.containers[0]!.volumeMounts ?? [];
        for (const variable of pod.containers[0]!.env ?? []) {
          if (!variable.name.endsWith('_FILE')) continue;
          const file = variable.value ?? '';
          // Under a mount of the pod, named by one of the mounted items.
          const mount = mounts.find((m) => file.startsWith(`${m.mountPath}/`));
          expect({ name, variable: variable.name, mounted: mount !== undefined }).toEqual({
            name,
            variable: variable.name,
            mounted: true,
          });
          const volume = pod.volumes?.find((v) => v['name'] === mount?.name) as
            | {
                projected?: { sources: { secret: { items: { path: string }[] } }[] };
                secret?: { secretName: string };
              }
            | undefined;
          const items = volume?.projected?.sources.flatMap((s) => s.secret.items.map((i) => i.path));
          if (items !== undefined)
            expect({ name, file, item: items.includes(path.basename(file)) }).toEqual({
              name,
              file,
              item: true,
            });
          // Otherwise a Secret volume, named as Kubernetes names objects.
          else
            expect(volume).toMatchObject({
              secret: { secretName: expect.stringMatching(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/) },
            });
        }
      }
    }
  });
  test("docs/deploy.md's kubectl create secret holds every key the default values mount from the Secret", () => {
    const docs = readFileSync(path.join(ROOT, 'docs', 'deploy.md'), 'utf8');
    const command = /kubectl create secret generic hotdocs-temporal((?: \\\n\s+--from-file=\S+)+)/.exec(docs);
    expect(command).not.toBeNull();
    const documented = [...(command?.[1] ?? '').matchAll(/--from-file=deploy\/secrets\/(\S+)/g)].map(
      (m) => m[1],
    );
    const mounted = deployments(objectsOf('default values')).flatMap(({ pod }) =>
      (pod.volumes ?? []).flatMap((volume) => {
        const sources = (
          volume as { projected?: { sources: { secret?: { name: string; items: { key: string }[] } }[] } }
        ).projected?.sources;
        return (sources ?? [])
          .filter((source) => source.secret?.name === 'hotdocs-temporal')
          .flatMap((source) => source.secret?.items.map((item) => item.key) ?? []);
      }),
    );
    expect(mounted.length).toBeGreaterThan(0);
    expect([...new Set(mounted)].filter((key) => !documented.includes(key))).toEqual([]);
  });
});

describe("the gateway's own document store credential", () => {
  /** Each component's store variables and the keys of the Secrets its pod mounts, for some values. */
  function storeAccess(sets: string[]): Record<string, { env: Record<string, string>; mounted: string[] }> {
    const run = helmTemplate(tools, [], sets);
    if (run.status !== 0) throw new Error(`helm template failed:\n${run.stderr}`);
    const objects = parseManifests(run.stdout);
    const check = manifestCheck(tools, run.stdout);
    expect({ status: check.status, stderr: check.stderr }).toEqual({ status: 0, stderr: '' });
    expect(unknownVariables(objects)).toEqual([]);
    return Object.fromEntries(
      deployments(objects).map(({ component, pod }) => [
        component,
        {
          env: Object.fromEntries(
            Object.entries(env(pod.containers[0]!)).filter(([name]) => name.startsWith('DOCUMENT_STORE_')),
          ),
          mounted: (pod.volumes ?? []).flatMap((volume) =>
            (
              (
                volume as {
                  projected?: { sources: { secret?: { name: string; items: { key: string }[] } }[] };
                }
              ).projected?.sources ?? []
            ).flatMap((source) =>
              (source.secret?.items ?? [])
                .map((item) => `${source.secret!.name}/${item.key}`)
                .filter((key) => key.includes('document_store')),
            ),
          ),
        },
      ]),
    );
  }

  test('S3: with gatewayAccessKeyId the gateway signs with its own key; the worker keeps its own', () => {
    const access = storeAccess([
      'documentStore.s3.accessKeyId=hotdocs-writer',
      'documentStore.s3.gatewayAccessKeyId=hotdocs-reader',
      'secrets.documentStoreGatewayS3SecretAccessKey.secretName=store-reader',
    ]);
    expect(access['gateway']).toEqual({
      env: expect.objectContaining({
        DOCUMENT_STORE_S3_ACCESS_KEY_ID: 'hotdocs-reader',
        DOCUMENT_STORE_S3_SECRET_ACCESS_KEY_FILE: '/run/secrets/hotdocs/document_store_read_secret_key',
      }),
      mounted: ['store-reader/document_store_read_secret_key'],
    });
    expect(access['worker']).toEqual({
      env: expect.objectContaining({
        DOCUMENT_STORE_S3_ACCESS_KEY_ID: 'hotdocs-writer',
        DOCUMENT_STORE_S3_SECRET_ACCESS_KEY_FILE: '/run/secrets/hotdocs/document_store_secret_key',
      }),
      mounted: ['hotdocs-temporal/document_store_secret_key'],
    });
    // Everything but the credential is the same store.
    const {
      DOCUMENT_STORE_S3_ACCESS_KEY_ID: _g,
      DOCUMENT_STORE_S3_SECRET_ACCESS_KEY_FILE: _gf,
      ...gateway
    } = access['gateway']!.env;
    const {
      DOCUMENT_STORE_S3_ACCESS_KEY_ID: _w,
      DOCUMENT_STORE_S3_SECRET_ACCESS_KEY_FILE: _wf,
      ...worker
    } = access['worker']!.env;
    expect(gateway).toEqual(worker);
  });

  test("S3: without gatewayAccessKeyId the gateway uses the worker's key, as before", () => {
    const access = storeAccess(['documentStore.s3.accessKeyId=hotdocs-writer']);
    expect(access['gateway']).toEqual(access['worker']);
    expect(access['gateway']!.mounted).toEqual(['hotdocs-temporal/document_store_secret_key']);
    // And with the AWS SDK's chain (no key at all), neither pod mounts a store key.
    const chain = storeAccess([]);
    expect(chain['gateway']).toEqual(chain['worker']);
    expect(chain['gateway']!.mounted).toEqual([]);
  });

  test('Azure: gatewayCredential gives the gateway its own connection string, or its own account key', () => {
    const connection = storeAccess([
      'documentStore.kind=azure-blob',
      'documentStore.azureBlob.gatewayCredential=true',
    ]);
    expect(connection['gateway']).toEqual({
      env: expect.objectContaining({
        DOCUMENT_STORE_AZURE_CONNECTION_STRING_FILE:
          '/run/secrets/hotdocs/document_store_read_azure_connection_string',
      }),
      mounted: ['hotdocs-temporal/document_store_read_azure_connection_string'],
    });
    expect(connection['worker']).toEqual({
      env: expect.objectContaining({
        DOCUMENT_STORE_AZURE_CONNECTION_STRING_FILE:
          '/run/secrets/hotdocs/document_store_azure_connection_string',
      }),
      mounted: ['hotdocs-temporal/document_store_azure_connection_string'],
    });
    const accountKey = storeAccess([
      'documentStore.kind=azure-blob',
      'documentStore.azureBlob.accountUrl=https://acme.blob.core.windows.net',
      'documentStore.azureBlob.useAccountKey=true',
      'documentStore.azureBlob.gatewayCredential=true',
    ]);
    expect(accountKey['gateway']).toEqual({
      env: expect.objectContaining({
        DOCUMENT_STORE_AZURE_ACCOUNT_KEY_FILE: '/run/secrets/hotdocs/document_store_read_azure_account_key',
      }),
      mounted: ['hotdocs-temporal/document_store_read_azure_account_key'],
    });
    expect(accountKey['worker']!.mounted).toEqual(['hotdocs-temporal/document_store_azure_account_key']);
  });

  test("Azure: without gatewayCredential the gateway uses the worker's credential, as before", () => {
    for (const sets of [
      ['documentStore.kind=azure-blob'],
      [
        'documentStore.kind=azure-blob',
        'documentStore.azureBlob.accountUrl=https://acme.blob.core.windows.net',
        'documentStore.azureBlob.useAccountKey=true',
      ],
    ]) {
      const access = storeAccess(sets);
      expect(access['gateway']).toEqual(access['worker']);
      expect(access['gateway']!.mounted).toHaveLength(1);
    }
  });
});

describe('Worker Versioning, autoscaling and monitoring', () => {
  test('each build is its own Deployment with its build id; KEDA scales the current one on its version’s backlog', () => {
    const objects = objectsOf(SELF_HOSTED);
    const workers = deployments(objects).filter((d) => d.component === 'worker');
    expect(
      workers.map(({ name, pod }) => ({
        name,
        image: pod.containers[0]!.image,
        deployment: env(pod.containers[0]!)['WORKER_DEPLOYMENT_NAME'],
        build: env(pod.containers[0]!)['WORKER_BUILD_ID'],
      })),
    ).toEqual([
      {
        name: 'docs-hotdocs-temporal-worker-0-2-0',
        image: 'registry.example.com/hotdocs/hotdocs-advance-temporal:0.2.0',
        deployment: 'hotdocs-assembly',
        build: '0.2.0',
      },
      {
        name: 'docs-hotdocs-temporal-worker-0-1-0',
        image: 'registry.example.com/hotdocs/hotdocs-advance-temporal:0.1.0',
        deployment: 'hotdocs-assembly',
        build: '0.1.0',
      },
    ]);
    const scaled = objects.filter((o) => o.kind === 'ScaledObject');
    expect(scaled).toHaveLength(1);
    const spec = scaled[0]!.spec as {
      scaleTargetRef: { name: string };
      triggers: { type: string; metadata: Record<string, string>; authenticationRef: { name: string } }[];
    };
    expect(spec.scaleTargetRef.name).toBe('docs-hotdocs-temporal-worker-0-2-0');
    expect(spec.triggers[0]!.metadata).toMatchObject({
      endpoint: 'temporal-frontend.temporal.svc.cluster.local:7233',
      namespace: 'hotdocs',
      taskQueue: 'hotdocs-assembly',
      targetQueueSize: '10',
      workerDeploymentName: 'hotdocs-assembly',
      workerDeploymentBuildId: '0.2.0',
      tlsServerName: 'temporal-frontend',
    });
    // KEDA connects with the worker's own certificate.
    const auth = objects.find(
      (o) =>
        o.kind === 'TriggerAuthentication' && o.metadata.name === spec.triggers[0]!.authenticationRef.name,
    );
    expect((auth?.spec as { secretTargetRef: unknown[] }).secretTargetRef).toEqual([
      { parameter: 'cert', name: 'hotdocs-worker-tls', key: 'tls.crt' },
      { parameter: 'key', name: 'hotdocs-worker-tls', key: 'tls.key' },
      { parameter: 'ca', name: 'hotdocs-worker-tls', key: 'ca.crt' },
    ]);
    // The autoscaled Deployment leaves its replicas to KEDA; the draining one keeps its own.
    const replicas = objects
      .filter((o) => o.kind === 'Deployment' && o.metadata.name.includes('-worker-'))
      .map((o) => o.spec?.['replicas']);
    expect(replicas).toEqual([undefined, 1]);
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')).toEqual([]);
  });

  test('without KEDA, an HPA scales the worker on CPU', () => {
    const objects = objectsOf('ci/temporal-cloud-values.yaml');
    expect(objects.filter((o) => o.kind === 'ScaledObject')).toEqual([]);
    const hpa = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
    expect(hpa.map((o) => o.spec)).toEqual([
      {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'docs-hotdocs-temporal-worker' },
        minReplicas: 2,
        maxReplicas: 6,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } },
          },
        ],
      },
    ]);
  });

  test('versioning refuses a tag that is not one build', () => {
    const run = helmTemplate(tools, [], ['worker.versioning.deploymentName=hotdocs-assembly']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('worker build id "local" is not one build');
  });

  test('the PrometheusRule is deploy/monitoring/prometheus/alerts.yml; the dashboard is the shipped one', () => {
    const objects = objectsOf(SELF_HOSTED);
    const rule = objects.find((o) => o.kind === 'PrometheusRule');
    const alerts = parse(
      readFileSync(path.join(ROOT, 'deploy', 'monitoring', 'prometheus', 'alerts.yml'), 'utf8'),
    ) as {
      groups: unknown[];
    };
    expect((rule?.spec as { groups: unknown[] }).groups).toEqual(alerts.groups);
    const dashboard = objects.find((o) => o.kind === 'ConfigMap');
    const shipped = readFileSync(
      path.join(ROOT, 'deploy', 'monitoring', 'grafana', 'dashboards', 'hotdocs-lifecycles.json'),
      'utf8',
    );
    expect(
      JSON.parse((dashboard?.['data'] as Record<string, string>)['hotdocs-lifecycles.json'] ?? ''),
    ).toEqual(JSON.parse(shipped));
    // The scrape targets are where worker and gateway serve /metrics (the decoder checks the names).
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor').map((o) => o.metadata.name);
    expect(monitors).toEqual(['docs-hotdocs-temporal-worker', 'docs-hotdocs-temporal-gateway']);
  });
});
