import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Page } from 'playwright-core';
import { ENCRYPTED_ENCODING } from '../../src/codec';
import { advanceEnvForEmulator } from '../../tools/dev/emulator-env';
import { startEmulator, type RunningEmulator } from '../../tools/emulator';
import { startProductionCluster, type ProductionCluster } from '../../tools/cluster/cluster';
import { startClusterUi, type ClusterUi } from '../../tools/cluster/temporal-ui';
import { launchChromium, type Browser } from '../support/browser';

/**
 * Operators read encrypted lifecycles in Temporal UI on the production cluster: the UI server
 * configured as compose configures it (TEMPORAL_CODEC_ENDPOINT, TEMPORAL_CODEC_INCLUDE_CREDENTIALS),
 * the codec endpoint as compose runs it, a real browser. Before the operator signs in at the codec
 * endpoint the UI cannot decode; after, it shows the lifecycle's decrypted input and details.
 * Screenshots go to test/artifacts/.
 */

const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');
const log = (line: string): void => {
  process.stderr.write(`[cluster-ui] ${line}\n`);
};

let emulator: RunningEmulator;
let cluster: ProductionCluster;
let ui: ClusterUi;
let browser: Browser;
let connection: Connection;

beforeAll(async () => {
  emulator = await startEmulator();
  cluster = await startProductionCluster({
    advanceEnv: advanceEnvForEmulator(emulator),
    workers: 1,
    gateways: 1,
    log,
  });
  ui = await startClusterUi(cluster);
  connection = await Connection.connect(cluster.connectionOptions('operator'));
  browser = await launchChromium('Temporal UI on the production cluster');
  await mkdir(ARTIFACTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await connection?.close();
  await ui?.stop();
  await cluster?.stop();
  await emulator?.close();
}, 120_000);

async function poll<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The text of the page and of every frame (the UI renders details in a sandboxed frame). */
async function allText(page: Page): Promise<string> {
  const texts = await Promise.all(
    page.frames().map((frame) =>
      frame
        .locator('body')
        .innerText()
        .catch(() => ''),
    ),
  );
  return texts.join('\n');
}

test('Temporal UI shows a lifecycle decrypted only after the operator signs in at the codec endpoint', async () => {
  const tag = randomBytes(4).toString('hex');
  const tenant = `Tenant ${tag}`;
  const gateway = cluster.gateways[0]!;
  const started = await fetch(`${gateway.url}/v1/assemblies`, {
    method: 'POST',
    headers: { authorization: `Bearer ${cluster.secrets.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      businessKey: `ui-${tag}`,
      workItem: {
        name: `Lease for ${tag}`,
        workGroupId: '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11',
        templatePackageId: '0f2a7d6c-58e4-4a9b-8f3e-2b9d6c1e7a22',
      },
      answerXml: `<AnswerSet><Answer name="Tenant"><TextValue>${tenant}</TextValue></Answer></AnswerSet>`,
    }),
  });
  expect(started.status).toBe(201);
  const { id } = (await started.json()) as { id: string };
  const interview = await poll('the lifecycle to wait for its interview', async () => {
    const answer = await fetch(`${gateway.url}/v1/assemblies/${encodeURIComponent(id)}/interview`, {
      headers: { authorization: `Bearer ${cluster.secrets.apiKey}` },
    });
    return answer.status === 200 ? ((await answer.json()) as { versionId: string }) : undefined;
  });

  // What Temporal stores is ciphertext: the UI can only show it through the codec endpoint.
  const client = new Client({ connection, namespace: cluster.namespace });
  const history = await client.workflow.getHandle(id).fetchHistory();
  const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  expect(Buffer.from(input?.metadata?.['encoding'] ?? new Uint8Array()).toString()).toBe(ENCRYPTED_ENCODING);
  expect(Buffer.from(input?.data ?? new Uint8Array()).toString('latin1')).not.toContain(tag);

  // Without a token or a sign-in, the codec endpoint decodes nothing.
  const anonymous = await fetch(`${ui.codecUrl}/codec/decode`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ui.uiUrl },
    body: JSON.stringify({ payloads: [{ metadata: input?.metadata, data: input?.data }] }),
  });
  expect(anonymous.status).toBe(401);

  const page = await browser.context.newPage();
  const workflowUrl = `${ui.uiUrl}/namespaces/${cluster.namespace}/workflows/${encodeURIComponent(id)}`;
  // Not signed in: the UI loads the lifecycle, its codec calls are refused, the input stays encrypted.
  const refused = page.waitForResponse((r) => r.url().startsWith(`${ui.codecUrl}/codec/decode`));
  await page.goto(workflowUrl);
  expect((await refused).status()).toBe(401);
  await page.getByText(id).first().waitFor({ timeout: 60_000 });
  await page.waitForTimeout(2_000);
  expect(await allText(page)).not.toContain(tenant);
  await page.screenshot({ path: path.join(ARTIFACTS, 'production-ui-not-signed-in.png') });

  // The operator signs in at the codec endpoint with the codec token.
  await page.goto(`${ui.codecUrl}/codec/login`);
  await page.locator('input[name="token"]').fill(ui.codecToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Temporal UI can decode payloads in this browser').waitFor();

  // Now the UI decodes: the input with the answer XML, and the lifecycle's current details.
  await page.goto(workflowUrl);
  const decoded = await poll('the decrypted input in the UI', async () => {
    const text = await allText(page);
    return text.includes(tenant) ? text : undefined;
  });
  expect(decoded).toContain(`Lease for ${tag}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'production-ui-decoded-input.png'), fullPage: true });
  await page.getByText('User Metadata', { exact: true }).first().click();
  const details = await poll('the decrypted details in the UI', async () => {
    const text = await allText(page);
    return text.includes('waiting for the interview of session') ? text : undefined;
  });
  expect(details).toContain(interview.versionId);
  await page.screenshot({ path: path.join(ARTIFACTS, 'production-ui-decoded-details.png') });
  await page.close();
});
