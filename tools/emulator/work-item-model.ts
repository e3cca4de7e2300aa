import type { AnswerSet } from './answers/answer-set';
import { answerDisplayValues } from './answers/answer-display';
import type { AssembledDocument } from './assembly/assemble-documents';

/**
 * One state machine for both API versions: `InProgress` → `Completing` → `PostAssemblyProcessing`
 * → `Completed` (or `PostProcessingFailed` when the post-assembly app reports a failure), or
 * `Saved` / `Discarded`. v1.1 completes at once; only the v2.0 calls pass through
 * the two middle phases, and only when the `completingMs` / `postProcessingMs` switches ask for it.
 */
export const VERSION_STATUSES = [
  'InProgress',
  'Saved',
  'Completing',
  'PostAssemblyProcessing',
  'Completed',
  'Discarded',
  'PostProcessingFailed',
] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

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
  /** While `Completing`: when (epoch ms) that phase ends. */
  completingUntil: number | null;
  /** When (epoch ms) post-assembly processing ends; equal to `completingUntil` when there is none. */
  processingUntil: number | null;
  /** Post-assembly processing ends in `PostProcessingFailed` (behaviour `postProcessingOutcome`). */
  postProcessingFails?: boolean;
  /** The Core assembly session behind the interview; closed once the version leaves `InProgress`. */
  coreSessionOpen: boolean;
  /**
   * The Core API's `finishcurrentinterview` was called for it; undefined in versions persisted
   * before the call existed, and for CreateAndAssemble (no interview).
   */
  interviewFinished?: boolean;
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
  /** Whether the interview's Core session is still open (SaveAndClose and completion close it). */
  coreSessionOpen: boolean;
  /** Whether `finishcurrentinterview` was called for the version's Core session. */
  interviewFinished: boolean;
  /** When the current `Completing` or `PostAssemblyProcessing` phase ends; null otherwise. */
  phaseEndsAt: string | null;
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
      coreSessionOpen: version.coreSessionOpen,
      interviewFinished: version.interviewFinished === true,
      phaseEndsAt: phaseEnd(version),
    })),
  };
}

function phaseEnd(version: VersionRecord): string | null {
  if (version.status === 'Completing' && version.completingUntil !== null)
    return new Date(version.completingUntil).toISOString();
  if (version.status === 'PostAssemblyProcessing' && version.processingUntil !== null)
    return new Date(version.processingUntil).toISOString();
  return null;
}
