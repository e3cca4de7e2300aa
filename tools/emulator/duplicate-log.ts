export type DuplicateOutcome =
  /** create: 409 because the GUID exists */
  | 'conflict'
  /** create: 200 with the existing work item, unchanged */
  | 'noop'
  /** create: 200 with the existing work item updated */
  | 'update'
  /** begin: same versionId as the in-progress session, rejected */
  | 'repeat-rejected'
  /** begin: same versionId as the in-progress session, answered with that session */
  | 'repeat-idempotent'
  /** begin: another session is in progress and forceCreate was not set */
  | 'session-in-progress'
  /** begin: the versionId belongs to a finished version */
  | 'version-exists'
  /** CreateAndAssemble: the versionId exists, answered with its status */
  | 'repeat-status';

export interface DuplicateRecord {
  at: string;
  endpoint: 'createWorkItem' | 'beginSession' | 'createAndAssemble';
  workItemId: string;
  versionId?: string;
  /** For begins: the session that was in progress at the time. */
  activeVersionId?: string | null;
  outcome: DuplicateOutcome;
  status: number;
}

/** Creates, begins and CreateAndAssembles that hit something existing, whether rejected or absorbed. */
export class DuplicateLog {
  private records: DuplicateRecord[] = [];

  record(record: Omit<DuplicateRecord, 'at'>): void {
    this.records.push({ at: new Date().toISOString(), ...record });
  }

  list(): DuplicateRecord[] {
    return this.records.map((record) => ({ ...record }));
  }

  clear(): void {
    this.records = [];
  }
}
