/**
 * The shapes the client returns, and tolerant readers for Advance's JSON. The documentation does
 * not fix the response shapes (advance-api.md: "open"), so readers accept camelCase or PascalCase
 * keys and a bare array or an `items`/`value` wrapper, and keep only what the lifecycle needs.
 */
import { field, listOf } from './json-fields';
import { parseVersionStatus, type VersionStatus } from './version-status';

export { field, listOf } from './json-fields';

export interface WorkItemRequest {
  /** A new GUID chosen by the caller: the same one on every retry. */
  id: string;
  workGroupId: string;
  templatePackageId: string;
  name: string;
  description?: string;
  answerXml?: string;
}

export interface WorkItemVersion {
  versionId: string;
  status: VersionStatus;
}

export interface AssemblySession {
  workItemId: string;
  versionId: string;
  hdaSessionId: string;
  coreSessionId: string;
  interviewJsUrl: string;
}

export interface WorkItem {
  id: string;
  name?: string;
  description?: string;
  workGroupId?: string;
  templatePackageId?: string;
  /** The in-progress session's version, when the server says (null: none in progress). */
  activeVersionId?: string | null;
  /** The in-progress session's interview data, when the server exposes it. */
  activeSession?: AssemblySession;
  /** Versions with their status, when the server lists them. */
  versions?: WorkItemVersion[];
}

export interface BeginSessionRequest {
  answerXml?: string;
  /** Replaces an in-progress session, discarding its answers. Never sent on our own initiative. */
  forceCreate?: boolean;
}

export interface AdvanceDocument {
  id: string;
  name: string;
  fileName?: string;
  contentType?: string;
  size?: number;
  sha256?: string;
  versionId?: string;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function readSession(
  raw: unknown,
  workItemId: string,
  versionId: string,
): AssemblySession | undefined {
  const hdaSessionId = str(field(raw, 'hdaSessionId'));
  const coreSessionId = str(field(raw, 'coreSessionId'));
  const interviewJsUrl = str(field(raw, 'interviewJsUrl'));
  if (hdaSessionId === undefined || coreSessionId === undefined || interviewJsUrl === undefined)
    return undefined;
  return {
    workItemId,
    versionId: str(field(raw, 'versionId')) ?? versionId,
    hdaSessionId,
    coreSessionId,
    interviewJsUrl,
  };
}

export function readWorkItem(raw: unknown, id: string): WorkItem {
  const item: WorkItem = {
    id: str(field(raw, 'id', 'workItemId')) ?? id,
    name: str(field(raw, 'name')),
    description: str(field(raw, 'description')),
    workGroupId: str(field(raw, 'workGroupId')),
    templatePackageId: str(field(raw, 'templatePackageId')),
  };
  const active = field(raw, 'activeVersionId');
  if (active === null || typeof active === 'string') item.activeVersionId = active;
  const rawSession = field(raw, 'activeSession');
  if (rawSession !== undefined && rawSession !== null && typeof item.activeVersionId === 'string') {
    item.activeSession = readSession(rawSession, item.id, item.activeVersionId);
  }
  const versions = field(raw, 'versions');
  if (Array.isArray(versions)) {
    item.versions = readVersionList(versions);
    if (item.activeVersionId === undefined) {
      item.activeVersionId = item.versions.find((v) => v.status === 'InProgress')?.versionId ?? null;
    }
  }
  return item;
}

/** A list of versions with their status (`GET Versions?filter=`, or a work item's `versions`). */
export function readVersionList(raw: unknown): WorkItemVersion[] {
  return listOf(raw).flatMap((v) => {
    const versionId = str(field(v, 'versionId', 'id'));
    return versionId === undefined
      ? []
      : [{ versionId, status: parseVersionStatus(field(v, 'status', 'versionStatus', 'state')) }];
  });
}

export function readDocuments(raw: unknown): AdvanceDocument[] {
  return listOf(raw).flatMap((d) => {
    const id = str(field(d, 'id', 'documentId'));
    if (id === undefined) return [];
    const fileName = str(field(d, 'fileName'));
    return [
      {
        id,
        name: str(field(d, 'name', 'title')) ?? fileName ?? id,
        fileName,
        contentType: str(field(d, 'contentType', 'mimeType')),
        size: num(field(d, 'size', 'length')),
        sha256: str(field(d, 'sha256')),
        versionId: str(field(d, 'versionId')),
      },
    ];
  });
}
