import { field } from './json-fields';

/**
 * A work item version's status, and tolerant readers for it. v2.0 documents the Status call and a
 * status filter but shows the status process only as an image and cuts off every response body
 * (shared/advance-api-v2.md §2): the names found in text are `InProgress` ("in progress"),
 * `Completing` and `Completed`, with post-assembly processing between the last two. So a status is
 * read as a bare string or as `{ status }` / `{ Status }`, in any case, spaces and `_`/`-` ignored.
 */
export type VersionStatus =
  | 'InProgress'
  | 'Saved'
  | 'Completing'
  | 'PostAssemblyProcessing'
  | 'Completed'
  | 'Discarded'
  | 'Failed'
  /** Advance completed the version, but its post-assembly processing failed (named by the answer-set pages). */
  | 'PostProcessingFailed'
  | 'Unknown';

/**
 * What a status means for a lifecycle: `completing` (Completing or post-assembly processing) is
 * waited out and read again; only `completed` lets documents be collected; `ended` (saved,
 * discarded, failed) will not complete by waiting; `post-processing-failed`: the completion was
 * accepted, but will not reach Completed until someone in Advance deals with the post-assembly
 * processing; `unknown` is a status this client cannot read.
 */
export type VersionPhase =
  'in-progress' | 'completing' | 'completed' | 'post-processing-failed' | 'ended' | 'unknown';

export interface VersionState {
  versionId: string;
  status: VersionStatus;
  /** The server's own spelling, kept when it was not understood (`status: 'Unknown'`). */
  raw?: string;
}

/** What Complete and CreateAndAssemble answered: a status when they gave one, and a poll URL. */
export interface CompletionAnswer {
  status?: VersionStatus;
  /** The status URL the server returned for polling (relative, as documented, or absolute). */
  statusUrl?: string;
}

const NAMES: ReadonlyArray<[RegExp, VersionStatus]> = [
  [/^(inprogress|active|open|started)$/, 'InProgress'],
  [/^(saved|savedandclosed|closed)$/, 'Saved'],
  [/^completing$/, 'Completing'],
  [/^post.*fail/, 'PostProcessingFailed'],
  [/^post|processing/, 'PostAssemblyProcessing'],
  [/^(completed|complete)$/, 'Completed'],
  [/^(discarded|deleted)$/, 'Discarded'],
  [/^(failed|error|faulted)$/, 'Failed'],
];

export function parseVersionStatus(value: unknown): VersionStatus {
  if (typeof value !== 'string') return 'Unknown';
  const key = value.toLowerCase().replace(/[^a-z]/g, '');
  return NAMES.find(([pattern]) => pattern.test(key))?.[1] ?? 'Unknown';
}

export function versionPhase(status: VersionStatus): VersionPhase {
  switch (status) {
    case 'InProgress':
      return 'in-progress';
    case 'Completing':
    case 'PostAssemblyProcessing':
      return 'completing';
    case 'Completed':
      return 'completed';
    case 'PostProcessingFailed':
      return 'post-processing-failed';
    case 'Saved':
    case 'Discarded':
    case 'Failed':
      return 'ended';
    case 'Unknown':
      return 'unknown';
  }
}

/**
 * The status value of a body as the server spelt it: a bare string, or `status`/`Status`/
 * `versionStatus`/`state` of an object.
 */
export function statusValue(raw: unknown): unknown {
  if (typeof raw === 'string') return raw;
  const value = field(raw, 'status', 'versionStatus', 'state');
  // Some APIs nest it: `{ status: { name: "Completed" } }`.
  return typeof value === 'object' && value !== null ? field(value, 'name', 'value') : value;
}

/** A status body; undefined when it carries no status at all. */
export function readVersionState(raw: unknown, versionId: string): VersionState | undefined {
  const value = statusValue(raw);
  if (value === undefined || value === null) return undefined;
  const status = parseVersionStatus(value);
  const ownId = field(raw, 'versionId', 'id');
  return {
    versionId: typeof ownId === 'string' ? ownId : versionId,
    status,
    ...(status === 'Unknown' && { raw: String(value) }),
  };
}

/**
 * The answer of Complete or CreateAndAssemble. Neither is documented: the status comes from the
 * body when it has one; a `202` without one reads as `Completing`; the poll URL from a
 * `statusUrl`-like field or the `Location` header. A `200`/`204` without a status says nothing.
 */
export function readCompletionAnswer(
  raw: unknown,
  httpStatus: number,
  location: string | undefined,
): CompletionAnswer {
  const value = statusValue(raw);
  const url = field(raw, 'statusUrl', 'pollUrl', 'statusUri', 'location', 'url');
  const statusUrl = typeof url === 'string' && url !== '' ? url : location;
  const status =
    value !== undefined && value !== null
      ? parseVersionStatus(value)
      : httpStatus === 202
        ? 'Completing'
        : undefined;
  return {
    ...(status !== undefined && { status }),
    ...(statusUrl !== undefined && { statusUrl }),
  };
}
