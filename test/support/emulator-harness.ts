import { randomUUID } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../tools/emulator';

/** Test helpers: real emulators on port 0 and a thin HTTP client over undici (no mocks). */

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Buffer;
  text: string;
  json<T = unknown>(): T;
}

export interface HttpOptions {
  token?: string;
  /** An object is sent as JSON; a string is sent as is (with a JSON content type unless overridden). */
  body?: unknown;
  headers?: Record<string, string>;
  dispatcher?: Dispatcher;
}

export async function http(
  method: Dispatcher.HttpMethod,
  url: string,
  options: HttpOptions = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await request(url, {
    method,
    headers,
    body,
    ...(options.dispatcher !== undefined && { dispatcher: options.dispatcher }),
  });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  const text = bytes.toString('utf8');
  return {
    status: response.statusCode,
    headers: response.headers,
    bytes,
    text,
    json: <T>() => JSON.parse(text) as T,
  };
}

export const newId = (): string => randomUUID();

export const ANSWER_XML = `<?xml version="1.0" encoding="utf-8"?>
<AnswerSet version="1.1">
  <Answer name="Client Name"><TextValue>Ana Lima</TextValue></Answer>
  <Answer name="Fee"><NumValue>1250</NumValue></Answer>
</AnswerSet>`;

/** A started emulator plus shortcuts for the calls most tests make. */
export class TestEmulator {
  constructor(
    readonly emulator: RunningEmulator,
    readonly shape: 'cloud' | 'onPremise' = 'cloud',
  ) {}

  get api(): string {
    return this.emulator[this.shape].baseUrl;
  }

  get auth(): string {
    return this.emulator[this.shape].authUrl;
  }

  control(path: string): string {
    return `${this.emulator.url}/__emulator${path}`;
  }

  loginRequest(credentials: unknown = this.credentialsBody()): Promise<HttpResult> {
    return http('POST', `${this.auth}/Authorize/ServicePrincipalLogIn`, { body: credentials });
  }

  credentialsBody(): Record<string, string> {
    const { clientName, principalName, principalPassword } = this.emulator.credentials;
    return { ClientName: clientName, PrincipalName: principalName, PrincipalPassword: principalPassword };
  }

  async login(): Promise<string> {
    const response = await this.loginRequest();
    if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
    return response.text;
  }

  call(method: Dispatcher.HttpMethod, path: string, token: string, body?: unknown): Promise<HttpResult> {
    return http(method, `${this.api}${path}`, { token, ...(body !== undefined && { body }) });
  }

  createWorkItem(token: string, id: string, fields: Record<string, unknown> = {}): Promise<HttpResult> {
    return this.call('PUT', `/WorkItems/${id}`, token, {
      workGroupId: WORK_GROUP_ID,
      templatePackageId: TEMPLATE_PACKAGE_ID,
      name: 'Engagement letter',
      description: 'Created by a test',
      ...fields,
    });
  }

  begin(token: string, id: string, versionId: string, body: unknown = {}): Promise<HttpResult> {
    return this.call('PUT', `/WorkItems/${id}/Versions/${versionId}`, token, body);
  }

  save(token: string, id: string): Promise<HttpResult> {
    return this.call('PUT', `/WorkItems/${id}/Versions/Active/SaveSession`, token, {});
  }

  complete(token: string, id: string, body: unknown = { runAssembly: true }): Promise<HttpResult> {
    return this.call('PUT', `/WorkItems/${id}/Versions/Active/CompleteSession`, token, body);
  }

  getWorkItem(token: string, id: string): Promise<HttpResult> {
    return this.call('GET', `/WorkItems/${id}`, token);
  }

  listDocuments(token: string, id: string): Promise<HttpResult> {
    return this.call('GET', `/WorkItems/${id}/Documents`, token);
  }

  download(token: string, id: string, documentId: string): Promise<HttpResult> {
    return this.call('GET', `/WorkItems/${id}/Documents/${documentId}/Content`, token);
  }
}

export const WORK_GROUP_ID = '0b6f4b8e-3f1c-4a39-9d41-2f8e3f7f0a11';
export const TEMPLATE_PACKAGE_ID = '7c1d2e3f-4a5b-4c6d-8e9f-a0b1c2d3e4f5';

/** Starts emulators for one test file and closes every one after each test. */
export function emulatorHarness(): {
  start(options?: EmulatorOptions, shape?: 'cloud' | 'onPremise'): Promise<TestEmulator>;
} {
  const running: RunningEmulator[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((emulator) => emulator.close()));
  });
  return {
    async start(options = {}, shape = 'cloud') {
      const emulator = await startEmulator({ port: 0, ...options });
      running.push(emulator);
      return new TestEmulator(emulator, shape);
    },
  };
}

/** A document as listed by GET WorkItems/{id}/Documents. */
export interface ListedDocument {
  id: string;
  versionId: string;
  name: string;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
}

export function decodeJwtPayload(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}
