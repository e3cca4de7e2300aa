import path from 'node:path';
import { ManagedProcess } from './managed-process';
import { REPO_ROOT } from './paths';

/** The worker's start-up line (src/worker.ts) — it is polling from then on. */
const WORKER_READY_TEXT = '"worker started"';

/**
 * A worker process exactly as `npm start` runs one, configured only by its environment; from the
 * TypeScript sources through tsx, so that the test runs the code of the checkout.
 */
export function workerProcess(
  no: number,
  env: Record<string, string | undefined>,
  logDir: string,
): ManagedProcess {
  return new ManagedProcess({
    name: `worker-${no}`,
    command: process.execPath,
    args: ['--require', 'tsx/cjs', path.join(REPO_ROOT, 'src', 'worker.ts')],
    env,
    cwd: REPO_ROOT,
    logFile: path.join(logDir, `worker-${no}.log`),
    readyText: WORKER_READY_TEXT,
    readyTimeoutMs: 120_000,
  });
}

/** `hotdocs-temporal gateway`, configured only by its environment (GATEWAY_*, TEMPORAL_*). */
export function gatewayProcess(
  no: number,
  env: Record<string, string | undefined>,
  url: string,
  logDir: string,
): ManagedProcess {
  return new ManagedProcess({
    name: `gateway-${no}`,
    command: process.execPath,
    args: [path.join(REPO_ROOT, 'bin', 'hotdocs-temporal.js'), 'gateway'],
    env,
    cwd: REPO_ROOT,
    logFile: path.join(logDir, `gateway-${no}.log`),
    ready: async () => (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) })).ok,
    readyTimeoutMs: 120_000,
  });
}

/** `hotdocs-temporal codec-server`, configured only by its environment (CODEC_*, PAYLOAD_*). */
export function codecProcess(
  env: Record<string, string | undefined>,
  url: string,
  logDir: string,
): ManagedProcess {
  return new ManagedProcess({
    name: 'codec',
    command: process.execPath,
    args: [path.join(REPO_ROOT, 'bin', 'hotdocs-temporal.js'), 'codec-server'],
    env,
    cwd: REPO_ROOT,
    logFile: path.join(logDir, 'codec.log'),
    ready: async () => (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok,
  });
}

/**
 * The worker's health and metrics address, from its start-up line (`"http":"http://127.0.0.1:…"`):
 * the workers take a free port each (WORKER_HTTP_PORT=0).
 */
export function workerHttpUrl(worker: ManagedProcess): string | undefined {
  for (const line of worker.output().split('\n')) {
    if (!line.includes(WORKER_READY_TEXT)) continue;
    try {
      const http = (JSON.parse(line) as { http?: unknown }).http;
      if (typeof http === 'string' && http.startsWith('http')) return http;
    } catch {
      // Not a JSON line: keep looking.
    }
  }
  return undefined;
}
