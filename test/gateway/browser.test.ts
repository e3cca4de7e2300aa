import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium, type Browser } from '../support/browser';
import { lifecycleInput } from '../support/lifecycle-harness';
import { call, waitForInterview } from '../support/gateway-harness';
import { gatewayTestbed } from '../support/testbed';

/**
 * A person in a real browser (headless Chromium) finishes the interview: the emulator's interview
 * page, given the gateway's signed finish link, posts the answers to the emulator and then the
 * Finish form to the gateway; the gateway signals the workflow, which completes the session, and
 * the assembled PDF holds what was typed. Screenshots go to test/artifacts/.
 *
 * Chromium is required: without it this test fails (CI installs it), it never skips.
 */

const ARTIFACTS = path.join(__dirname, '..', 'artifacts');

let base: string;
let browser: Browser | undefined;

// Declared before the testbed: jest runs afterAll hooks in the order they are declared.
afterAll(async () => {
  await browser?.close();
});

const bed = gatewayTestbed();

beforeAll(async () => {
  base = bed.gateway.url;
  await mkdir(ARTIFACTS, { recursive: true });
});

/** One Chromium for the file, with a fresh profile; a clear failure when it is not installed. */
async function browserPage(): Promise<Page> {
  browser ??= await launchChromium("gateway's browser", { width: 900, height: 700 });
  return browser.context.newPage();
}

async function startInterview() {
  const started = await call(`${base}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: `browser-${randomUUID()}` }),
  });
  expect(started.status).toBe(201);
  return waitForInterview(base, started.json.id);
}

/** The outcome over HTTP, and the bytes of its PDF from the document store. */
async function assembledPdf(id: string) {
  const result = await call(`${base}/v1/assemblies/${encodeURIComponent(id)}/result?wait=true`);
  expect(result.status).toBe(200);
  expect(result.json.outcome).toBe('completed');
  const [session] = result.json.sessions;
  const pdf = session.documents.find((d: { contentType?: string }) => d.contentType === 'application/pdf');
  expect(pdf).toBeDefined();
  const stored = await readFile(fileURLToPath(pdf.reference));
  // What the emulator assembled is what the document store holds.
  expect(stored.equals(bed.h.emulator.documentContent(result.json.workItemId, pdf.documentId)!)).toBe(true);
  return { result: result.json, text: stored.toString('latin1') };
}

test("the emulator's interview page, Finish through the signed link: the PDF holds the typed answer", async () => {
  const interview = await startInterview();
  const page = await browserPage();
  const pageUrl =
    `${bed.h.emulator.url}/__emulator/interview/${interview.coreSessionId}` +
    `?finishUrl=${encodeURIComponent(interview.finishUrl)}`;
  await page.goto(pageUrl);
  const tenant = page.locator('input[name="answer:Tenant"]');
  expect(await tenant.inputValue()).toBe('Ann Example');
  await tenant.fill('Bruno Costa');
  await page.locator('input[name="answer:Notes"]').fill('Keys at the front desk');
  await page.screenshot({ path: path.join(ARTIFACTS, 'gateway-interview-before-finish.png') });

  await Promise.all([page.waitForURL(interview.finishUrl), page.locator('#hd-finish').click()]);
  // The browser landed on the gateway's thank-you page.
  expect(await page.locator('#hd-gateway-status').textContent()).toContain('Your answers were received');
  await page.screenshot({ path: path.join(ARTIFACTS, 'gateway-interview-finished.png'), fullPage: true });

  const { result, text } = await assembledPdf(interview.id);
  expect(result.sessions[0].versionId).toBe(interview.versionId);
  expect(text).toContain('(Tenant: Bruno Costa) Tj');
  expect(text).toContain('(Notes: Keys at the front desk) Tj');

  // Back and Finish again (a resubmitted form): the link is spent.
  const again = await page.goto(interview.finishUrl, { waitUntil: 'load' }).catch(() => null);
  expect(again?.status()).toBe(405); // a GET of the link is not allowed: only POST finishes
  await page.close();
});

test('a host page on its own origin embeds the interview with interview.js and the signed link', async () => {
  const interview = await startInterview();
  const page = await browserPage();
  // The host application's page, on an origin of its own (neither the emulator's nor the gateway's).
  const host = await serveHostPage(hostPage(interview));
  try {
    await page.goto(`${host.url}/leases/42`);
    await page.locator('input[name="answer:Tenant"]').fill('Carla Dias');
    await page.screenshot({ path: path.join(ARTIFACTS, 'gateway-host-page-interview.png') });
    await Promise.all([page.waitForURL(interview.finishUrl), page.locator('#hd-finish').click()]);
    expect(await page.locator('#hd-gateway-status').textContent()).toContain('Your answers were received');
  } finally {
    await host.close();
  }

  const { text } = await assembledPdf(interview.id);
  expect(text).toContain('(Tenant: Carla Dias) Tj');
  await page.close();
});

/** A stand-in for the host application's web server: one page, on 127.0.0.1 and a port of its own. */
async function serveHostPage(html: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** What a host application renders from GET /v1/assemblies/{id}/interview (docs/gateway.md). */
function hostPage(interview: { interviewJsUrl: string; coreSessionId: string; finishUrl: string }): string {
  const options = JSON.stringify({
    container: '#interview',
    coreSessionId: interview.coreSessionId,
    finishUrl: interview.finishUrl,
  }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Acme portal — your lease</title>
<script src="${interview.interviewJsUrl}"></script></head>
<body>
<header><strong>Acme portal</strong> · Lease 42</header>
<div id="interview"></div>
<script>HDInterview.loadInterview(${options});</script>
</body>
</html>`;
}
