import type { EmulatorBehaviour } from '../behaviour';
import {
  VERSION_STATUSES,
  type VersionRecord,
  type VersionStatus,
  type WorkItemRecord,
} from '../work-item-model';

/**
 * How v2.0 answers carry a version's status. HotDocs shows the status process only as an image and
 * cuts off every response body (shared/advance-api-v2.md), so the shape and the spelling of the
 * values are behaviour switches.
 */

export function statusText(status: VersionStatus, behaviour: EmulatorBehaviour): string {
  switch (behaviour.statusCase) {
    case 'lower':
      return status.toLowerCase();
    case 'upper':
      return status.toUpperCase();
    case 'pascal':
      return status;
  }
}

/** The version's status as `{ status }`, `{ Status }` or a bare string, per `statusShape`. */
export function versionStatusJson(
  item: WorkItemRecord,
  version: VersionRecord,
  behaviour: EmulatorBehaviour,
  extra: { statusUrl?: string } = {},
): unknown {
  const status = statusText(version.status, behaviour);
  switch (behaviour.statusShape) {
    case 'string':
      return status;
    case 'pascal-object':
      return {
        WorkItemId: item.id,
        VersionId: version.versionId,
        Status: status,
        ...(extra.statusUrl !== undefined && { StatusUrl: extra.statusUrl }),
      };
    case 'object':
      return {
        workItemId: item.id,
        versionId: version.versionId,
        status,
        ...(extra.statusUrl !== undefined && { statusUrl: extra.statusUrl }),
      };
  }
}

/** A status body ready to send: a bare status goes out as a JSON string literal (`"Completed"`). */
export function statusBody(json: unknown): { body: unknown; contentType?: string } {
  if (typeof json !== 'string') return { body: json };
  return { body: Buffer.from(JSON.stringify(json)), contentType: 'application/json; charset=utf-8' };
}

/** `GET Versions?filter=`: the versions with their status, as an array or `{ items }`. */
export function versionListJson(versions: VersionRecord[], behaviour: EmulatorBehaviour): unknown {
  const list = versions.map((version) => ({
    versionId: version.versionId,
    status: statusText(version.status, behaviour),
    createdAt: version.createdAt,
    completedAt: version.completedAt,
    assembled: version.assembled,
  }));
  return behaviour.versionListShape === 'wrapped' ? { items: list } : list;
}

/** The poll URL as CreateAndAssemble's page shows it: relative, `{workItemId}/Versions/{versionId}/Status`. */
export function statusPath(workItemId: string, versionId: string): string {
  return `${workItemId}/Versions/${versionId}/Status`;
}

/** A status name in any case, spaces, `-` and `_` ignored (`in progress`, `COMPLETED`). */
export function parseStatusName(raw: string): VersionStatus | undefined {
  const key = raw.toLowerCase().replace(/[\s_-]+/g, '');
  return VERSION_STATUSES.find((status) => status.toLowerCase() === key);
}
