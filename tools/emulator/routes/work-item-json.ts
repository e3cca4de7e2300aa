import type { EmulatorBehaviour } from '../behaviour';
import type { VersionRecord, VersionStatus, WorkItemRecord } from '../work-item-model';

/** The shape GET WorkItems/{id} answers with (and create, unless it answers 204). */
export interface WorkItemJson {
  id: string;
  name: string;
  description: string;
  workGroupId: string;
  templatePackageId: string;
  createdAt: string;
  activeVersionId: string | null;
  /** Omitted entirely when the `exposeActiveSession` switch is off. */
  activeSession?: ActiveSessionJson | null;
  /** Omitted entirely when the `exposeVersions` switch is off. */
  versions?: Array<{
    versionId: string;
    status: VersionStatus;
    createdAt: string;
    completedAt: string | null;
    assembled: boolean;
  }>;
}

export interface ActiveSessionJson {
  versionId: string;
  hdaSessionId: string;
  coreSessionId: string;
  interviewJsUrl: string;
}

/** The begin-session answer. */
export interface SessionJson {
  workItemId: string;
  versionId: string;
  hdaSessionId: string;
  coreSessionId: string;
  interviewJsUrl: string;
}

export function workItemJson(item: WorkItemRecord, behaviour: EmulatorBehaviour): WorkItemJson {
  const active = item.versions.find((version) => version.versionId === item.activeVersionId);
  const activeSession = active === undefined ? null : { versionId: active.versionId, ...active.session };
  return {
    id: item.id,
    name: item.name,
    description: item.description,
    workGroupId: item.workGroupId,
    templatePackageId: item.templatePackageId,
    createdAt: item.createdAt,
    activeVersionId: item.activeVersionId,
    ...(behaviour.exposeActiveSession && { activeSession }),
    ...(behaviour.exposeVersions && {
      versions: item.versions.map(({ versionId, status, createdAt, completedAt, assembled }) => ({
        versionId,
        status,
        createdAt,
        completedAt,
        assembled,
      })),
    }),
  };
}

export function sessionJson(item: WorkItemRecord, version: VersionRecord): SessionJson {
  return { workItemId: item.id, versionId: version.versionId, ...version.session };
}
