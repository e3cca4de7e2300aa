import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { request } from 'undici';
import type { LifecycleClient } from '../../src/client';
import { loadGatewayConfig, type Env, type GatewayConfig } from '../../src/config';
import { sha256Hex } from '../../src/security/hashed-credentials';
import { startGateway, type GatewayLogOptions, type RunningGateway } from '../../src/gateway';
import type { InterviewLink } from '../../src/gateway/interview-link';
import { advanceEnvForEmulator } from '../../tools/dev/emulator-env';
import { connectTestEnvironment } from './temporal';
import { createHarness, eventually, type Harness } from './lifecycle-harness';

/**
 * The gateway as it runs in production — listening on a real port, configured from the
 * environment — in front of the lifecycle harness: the run's Temporal dev server, an in-process
 * worker on a task queue of its own, and the Advance emulator.
 */

/** Two API keys, configured as their SHA-256 hashes the way an operator would. */
export const KEYS = {
  ops: `ops-${randomBytes(16).toString('hex')}`,
  crm: `crm-${randomBytes(16).toString('hex')}`,
};
export const FINISH_SECRET = randomBytes(32).toString('hex');

export { sha256Hex };

export function gatewayEnv(extra: Env = {}): Env {
  return {
    GATEWAY_PORT: '0',
    GATEWAY_API_KEYS: `ops:${sha256Hex(KEYS.ops)},crm:${sha256Hex(KEYS.crm)}`,
    GATEWAY_FINISH_LINK_SECRET: FINISH_SECRET,
    ...extra,
  };
}

export async function startTestGateway(
  lifecycles: LifecycleClient,
  {
    env = {},
    log = false,
    config,
  }: { env?: Env; log?: GatewayLogOptions; config?: Partial<GatewayConfig> } = {},
): Promise<RunningGateway> {
  return startGateway({ lifecycles, config: { ...loadGatewayConfig(gatewayEnv(env)), ...config }, log });
}

export interface GatewayTestbed {
  env: TestWorkflowEnvironment;
  h: Harness;
  gateway: RunningGateway;
  close(): Promise<void>;
}

/**
 * Temporal environment, harness with a running worker, and a gateway on port 0. With
 * `tenancies`, the worker knows each name as a tenancy of its own (ADVANCE_TENANCIES_FILE), all
 * of them served by the harness's emulator, so lifecycles of several tenancies really run.
 */
export async function createGatewayTestbed(
  options: { env?: Env; tenancies?: string[]; log?: GatewayLogOptions } = {},
): Promise<GatewayTestbed> {
  const env = await connectTestEnvironment();
  const h = await createHarness(env);
  if (options.tenancies !== undefined) await useTenancies(h, options.tenancies);
  await h.startWorker();
  // The gateway reads documents where the harness's worker stores them.
  const gateway = await startTestGateway(h.lifecycles, {
    env: { DOCUMENT_STORE_DIR: h.documentDir, ...options.env },
    ...(options.log !== undefined && { log: options.log }),
  });
  return {
    env,
    h,
    gateway,
    async close() {
      await gateway.close();
      await h.close();
      await env.teardown();
    },
  };
}

/** Points the harness's worker at a tenancies file naming each tenancy, all on its emulator. */
async function useTenancies(h: Harness, names: string[]): Promise<void> {
  const { cloud, credentials } = h.emulator;
  const file = path.join(h.documentDir, '..', `tenancies-${path.basename(h.documentDir)}.json`);
  const tenancy = { baseUrl: cloud.baseUrl, authUrl: cloud.authUrl, ...credentials };
  await writeFile(
    file,
    JSON.stringify({
      tenancies: Object.fromEntries(names.map((name) => [name, { ...tenancy, tenancy: name }])),
    }),
  );
  // The single-tenancy variables must go: the worker refuses both ways at once.
  for (const name of Object.keys(advanceEnvForEmulator(h.emulator))) h.workerEnv[name] = '';
  h.workerEnv['ADVANCE_TENANCIES_FILE'] = file;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed JSON body (undefined when the body is not JSON). */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read answers freely
}

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS';
  /** API key sent as `Authorization: Bearer`; `null` sends none. Default: the ops key. */
  key?: string | null;
  /** Sent as JSON unless it is a string (then sent as is, with the given content type). */
  body?: unknown;
  headers?: Record<string, string>;
}

/** One HTTP request over a real socket; never throws on an error status. */
export async function call(url: string, options: CallOptions = {}): Promise<HttpAnswer> {
  const { method = 'GET', key = KEYS.ops, body, headers = {} } = options;
  const sendHeaders: Record<string, string> = { ...headers };
  if (key !== null) sendHeaders['authorization'] ??= `Bearer ${key}`;
  let payload: string | undefined;
  if (typeof body === 'string') payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    sendHeaders['content-type'] ??= 'application/json';
  }
  const answer = await request(url, { method, headers: sendHeaders, body: payload });
  const text = await answer.body.text();
  const contentType = String(answer.headers['content-type'] ?? '');
  return {
    status: answer.statusCode,
    headers: answer.headers,
    text,
    json: contentType.includes('json') && text !== '' ? JSON.parse(text) : undefined,
  };
}

/** Waits until the lifecycle offers its interview; answers GET /interview's body. */
export async function waitForInterview(base: string, id: string) {
  return eventually(
    async () => {
      const answer = await call(`${base}/v1/assemblies/${encodeURIComponent(id)}/interview`);
      return answer.status === 200 ? (answer.json as InterviewAnswer) : undefined;
    },
    { what: `${id} to offer its interview` },
  );
}

/** The body of `GET …/interview`: the gateway's own type, so the tests follow it. */
export type InterviewAnswer = InterviewLink;
