import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { startDevServer, type RunningDevServer } from '../../tools/temporal';
import { launchChromium, type Browser } from '../support/browser';
import {
  atStage,
  createHarness,
  eventually,
  lifecycleInput,
  type Harness,
} from '../support/lifecycle-harness';

/**
 * Operators find lifecycles in Temporal UI: by stage (a search attribute), with the current
 * details saying what a lifecycle waits for and since when. A dev server with its Web UI, a real
 * browser; the screenshots go to test/artifacts/ (and, with UPDATE_DOCS_SCREENSHOTS=1, docs/images/).
 */

const ROOT = path.resolve(__dirname, '..', '..');
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');
let server: RunningDevServer;
let env: TestWorkflowEnvironment;
let h: Harness;
let browser: Browser;

beforeAll(async () => {
  server = await startDevServer({ ui: true });
  env = await TestWorkflowEnvironment.createFromExistingServer({
    address: server.address,
    namespace: server.namespace,
  });
  h = await createHarness(env);
  await h.startWorker();
  browser = await launchChromium('Temporal UI');
  await mkdir(ARTIFACTS, { recursive: true });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
  await env?.teardown();
  await server?.stop();
});

async function screenshot(page: import('playwright-core').Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: false });
  if (process.env['UPDATE_DOCS_SCREENSHOTS'] === '1') {
    await page.screenshot({ path: path.join(ROOT, 'docs', 'images', name), fullPage: false });
  }
}

test('a waiting lifecycle is listed by stage, and its details say what it waits for and since when', async () => {
  const businessKey = `ui-${randomUUID().slice(0, 8)}`;
  const started = await h.lifecycles.start(lifecycleInput({ businessKey, interview: { deadline: '14d' } }));
  const status = await atStage(h.lifecycles, started.lifecycleId, 'waiting-for-interview');
  // Visibility is eventually consistent: wait until the stage is searchable.
  await eventually(async () => {
    const { count } = await env.client.workflow.count(
      `HotDocsStage = 'waiting-for-interview' AND HotDocsBusinessKey = '${businessKey}'`,
    );
    return count === 1 ? true : undefined;
  });

  const page = await browser.context.newPage();
  const query = encodeURIComponent(
    `HotDocsStage="waiting-for-interview" AND HotDocsBusinessKey="${businessKey}"`,
  );
  await page.goto(`${server.uiUrl}/namespaces/${server.namespace}/workflows?query=${query}`);
  await page.getByText(started.lifecycleId).first().waitFor({ timeout: 30_000 });
  await screenshot(page, 'temporal-ui-lifecycles-by-stage.png');

  await page.goto(
    `${server.uiUrl}/namespaces/${server.namespace}/workflows/${encodeURIComponent(started.lifecycleId)}`,
  );
  // The "User Metadata" tab shows the static summary and the current details.
  await page.getByText('User Metadata', { exact: true }).first().click();
  // The details are rendered as Markdown inside a sandboxed frame: read the page and every frame.
  const details = await eventually(
    async () => {
      const texts = await Promise.all(
        page.frames().map((f) =>
          f
            .locator('body')
            .innerText()
            .catch(() => ''),
        ),
      );
      const all = texts.join('\n');
      const shown =
        all.includes('waiting for the interview of session') && all.includes('Assembly: Lease for Ann');
      return shown ? all : undefined;
    },
    { what: 'the summary and current details in the UI' },
  );
  expect(details).toContain(status.activeSession!.versionId);
  expect(details).toContain(status.activeSession!.waitingSince!);
  expect(details).toContain('Assembly: Lease for Ann'); // the static summary
  await screenshot(page, 'temporal-ui-waiting-lifecycle.png');
  await page.close();
  await h.lifecycles.cancel(started.lifecycleId);
}, 120_000);
