import type { AnswerSet } from './answers/answer-set';
import { answerDisplayValues } from './answers/answer-display';
import type { AssembledDocument } from './assembly/assemble-documents';

export type VersionStatus = 'InProgress' | 'Saved' | 'Completed' | 'Discarded';

export interface SessionIds {
  hdaSessionId: string;
  coreSessionId: string;
  interviewJsUrl: string;
}

export interface VersionRecord {
  versionId: string;
  status: VersionStatus;
  createdAt: string;
  completedAt: string | null;
  assembled: boolean;
  /** The answers as XML text: what the client sent, or what the interview page produced. */
  answerXml: string;
  answers: AnswerSet;
  session: SessionIds;
  documents: AssembledDocument[];
  /** Order in which versions were saved or completed; picks the answers a new session resumes. */
  finishedSeq: number | null;
}

export interface WorkItemRecord {
  id: string;
  name: string;
  description: string;
  workGroupId: string;
  templatePackageId: string;
  createdAt: string;
  /** Answers given at creation; a first session starts from them. */
  answerXml: string | null;
  answers: AnswerSet | null;
  /** In creation order. */
  versions: VersionRecord[];
  /** The in-progress session's version, if any. */
  activeVersionId: string | null;
}

export interface DocumentMetadata {
  id: string;
  versionId: string;
  name: string;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
}

export interface VersionSnapshot {
  versionId: string;
  status: VersionStatus;
  createdAt: string;
  completedAt: string | null;
  assembled: boolean;
  hdaSessionId: string;
  coreSessionId: string;
  interviewJsUrl: string;
  answerXml: string;
  /** Answer name → display string. */
  answers: Record<string, string>;
  documents: DocumentMetadata[];
}

export interface WorkItemSnapshot {
  id: string;
  name: string;
  description: string;
  workGroupId: string;
  templatePackageId: string;
  createdAt: string;
  activeVersionId: string | null;
  answerXml: string | null;
  versions: VersionSnapshot[];
}

export interface EmulatorStateSnapshot {
  workItems: WorkItemSnapshot[];
}

export function documentMetadata(document: AssembledDocument): DocumentMetadata {
  const { id, versionId, name, fileName, contentType, size, sha256 } = document;
  return { id, versionId, name, fileName, contentType, size, sha256 };
}

export function workItemSnapshot(item: WorkItemRecord): WorkItemSnapshot {
  return {
    id: item.id,
    name: item.name,
    description: item.description,
    workGroupId: item.workGroupId,
    templatePackageId: item.templatePackageId,
    createdAt: item.createdAt,
    activeVersionId: item.activeVersionId,
    answerXml: item.answerXml,
    versions: item.versions.map((version) => ({
      versionId: version.versionId,
      status: version.status,
      createdAt: version.createdAt,
      completedAt: version.completedAt,
      assembled: version.assembled,
      ...version.session,
      answerXml: version.answerXml,
      answers: Object.fromEntries(
        answerDisplayValues(version.answers).map(({ name, value }) => [name, value]),
      ),
      documents: version.documents.map(documentMetadata),
    })),
  };
}
