/**
 * The peer's activities: the HotDocs Advance calls of one lifecycle as a developer following
 * Temporal's samples and HotDocs' C# sample writes them. Each call opens a connection of its own
 * and closes it, the lifecycle logs in once and hands the token from step to step, and documents
 * are downloaded whole before they are written. Plain on purpose: the benchmark's `ours/peer` is
 * what the project's client, store and workflow save over this, on the same calls.
 *
 * Configured by the worker's `ADVANCE_*` and `DOCUMENT_STORE_DIR` variables (as the lifecycle
 * worker is); `ADVANCE_API_VERSION` picks v1.1's or v2.0's paths.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Agent, request } from 'undici';

export interface PeerTarget {
  baseUrl: string;
  authUrl: string;
  clientName: string;
  principalName: string;
  principalPassword: string;
  apiVersion: 'v1.1' | 'v2.0';
  documentDir: string;
}

export function peerTargetFromEnv(env: NodeJS.ProcessEnv): PeerTarget {
  const need = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') throw new Error(`${name} is required for the peer worker`);
    return value;
  };
  return {
    baseUrl: need('ADVANCE_BASE_URL').replace(/\/+$/, ''),
    authUrl: need('ADVANCE_AUTH_URL').replace(/\/+$/, ''),
    clientName: need('ADVANCE_CLIENT_NAME'),
    principalName: need('ADVANCE_PRINCIPAL_NAME'),
    principalPassword: need('ADVANCE_PRINCIPAL_PASSWORD'),
    apiVersion: env['ADVANCE_API_VERSION'] === 'v2.0' ? 'v2.0' : 'v1.1',
    documentDir: need('DOCUMENT_STORE_DIR'),
  };
}

export interface PeerSessionArgs {
  token: string;
  workItemId: string;
  versionId: string;
}

export interface PeerDocument {
  id: string;
  path: string;
}

/** One request on a connection of its own; the answer's body read whole. */
async function call(
  url: string,
  init: { method?: 'GET' | 'PUT' | 'POST'; token?: string; json?: unknown },
): Promise<{ status: number; body: Buffer }> {
  const dispatcher = new Agent({ connections: 1 });
  try {
    const response = await request(url, {
      dispatcher,
      method: init.method ?? 'GET',
      headers: {
        ...(init.token !== undefined && { authorization: `Bearer ${init.token}` }),
        ...(init.json !== undefined && { 'content-type': 'application/json' }),
      },
      ...(init.json !== undefined && { body: JSON.stringify(init.json) }),
    });
    const body = Buffer.from(await response.body.arrayBuffer());
    if (response.statusCode >= 300)
      throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.statusCode}`);
    return { status: response.statusCode, body };
  } finally {
    await dispatcher.close();
  }
}

export function createPeerActivities(target: PeerTarget) {
  const api = (...segments: string[]) => `${target.baseUrl}/${segments.map(encodeURIComponent).join('/')}`;
  const completePath = (workItemId: string, versionId: string) =>
    target.apiVersion === 'v1.1'
      ? api('WorkItems', workItemId, 'Versions', 'Active', 'CompleteSession')
      : api('WorkItems', workItemId, 'Versions', versionId, 'Complete');
  const documentsPath = (workItemId: string, versionId: string, ...rest: string[]) =>
    target.apiVersion === 'v1.1'
      ? api('WorkItems', workItemId, 'Documents', ...rest)
      : api('WorkItems', workItemId, 'Versions', versionId, 'Documents', ...rest);
  return {
    async acquireToken(): Promise<string> {
      const { body } = await call(`${target.authUrl}/Authorize/ServicePrincipalLogIn`, {
        method: 'POST',
        json: {
          ClientName: target.clientName,
          PrincipalName: target.principalName,
          PrincipalPassword: target.principalPassword,
        },
      });
      return body.toString('utf8').trim().replace(/^"|"$/g, '');
    },
    async createWorkItem(args: {
      token: string;
      workItem: { id: string; name: string; workGroupId: string; templatePackageId: string };
      answerXml?: string;
    }): Promise<void> {
      const { id, ...item } = args.workItem;
      await call(api('WorkItems', id), {
        method: 'PUT',
        token: args.token,
        json: { ...item, ...(args.answerXml !== undefined && { answerXml: args.answerXml }) },
      });
    },
    async beginSession(args: PeerSessionArgs & { answerXml?: string }): Promise<void> {
      await call(api('WorkItems', args.workItemId, 'Versions', args.versionId), {
        method: 'PUT',
        token: args.token,
        json: args.answerXml === undefined ? {} : { answerXml: args.answerXml },
      });
    },
    async completeSession(args: PeerSessionArgs): Promise<void> {
      await call(completePath(args.workItemId, args.versionId), {
        method: 'PUT',
        token: args.token,
        json: target.apiVersion === 'v1.1' ? { runAssembly: true } : {},
      });
    },
    async storeDocuments(args: PeerSessionArgs): Promise<PeerDocument[]> {
      const listed = await call(documentsPath(args.workItemId, args.versionId), { token: args.token });
      const parsed: unknown = JSON.parse(listed.body.toString('utf8'));
      const items = (
        Array.isArray(parsed) ? parsed : ((parsed as { items?: unknown[] }).items ?? [])
      ) as Array<{
        id?: string;
        documentId?: string;
      }>;
      const folder = path.join(target.documentDir, 'peer', args.workItemId, args.versionId);
      await mkdir(folder, { recursive: true });
      const stored: PeerDocument[] = [];
      for (const item of items) {
        const id = item.id ?? item.documentId;
        if (id === undefined) continue;
        const { body } = await call(documentsPath(args.workItemId, args.versionId, id, 'Content'), {
          token: args.token,
        });
        const file = path.join(folder, id);
        await writeFile(file, body);
        stored.push({ id, path: file });
      }
      return stored;
    },
  };
}

export type PeerActivities = ReturnType<typeof createPeerActivities>;
