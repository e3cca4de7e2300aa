import { applyTypedAnswers } from './answers/answer-display';
import { emptyAnswerSet, type AnswerSet } from './answers/answer-set';
import { writeAnswerXml } from './answers/write-answer-xml';
import { assembleDocuments, type AssembledDocument } from './assembly/assemble-documents';
import { newGuid } from './guid';
import type { SessionIds, VersionRecord, WorkItemRecord, WorkItemSnapshot } from './work-item-model';
import { workItemSnapshot } from './work-item-model';
import type { PersistedStore } from './state-file';

export interface WorkItemFields {
  name: string;
  description: string;
  workGroupId: string;
  templatePackageId: string;
  answers?: ParsedAnswers;
}

export interface ParsedAnswers {
  xml: string;
  set: AnswerSet;
}

export type BeginOutcome =
  | { kind: 'begun'; version: VersionRecord }
  /** The versionId is the in-progress session's own. */
  | { kind: 'repeat'; version: VersionRecord }
  /** Another session is in progress and forceCreate was not set. */
  | { kind: 'in-progress'; activeVersionId: string }
  /** The versionId belongs to a version that is no longer in progress. */
  | { kind: 'version-exists'; version: VersionRecord };

/** What a v2.0 call naming a version finds. */
export type VersionOutcome =
  | { kind: 'done'; version: VersionRecord }
  | { kind: 'unknown-version' }
  /** The version exists but is not in progress (already saved, completing, completed, discarded). */
  | { kind: 'not-in-progress'; version: VersionRecord };

/** How long a v2.0 completion spends in each phase before it reads `Completed`. */
export interface CompletionTiming {
  completingMs: number;
  postProcessingMs: number;
  /** How post-assembly processing ends; `completed` unless given. */
  postProcessingOutcome?: 'completed' | 'failed';
}

/**
 * The in-memory Advance model and its lifecycle rules: one in-progress session per work item,
 * save/complete end it, a new session resumes the latest saved or completed answers.
 * It knows nothing of HTTP; routes turn its outcomes into status codes per the behaviour switches.
 */
export class WorkItemStore {
  private readonly items = new Map<string, WorkItemRecord>();
  // Kept after a session ends, so its interview page can say "no longer in progress" rather than "unknown".
  private readonly sessionsByCoreId = new Map<string, { workItemId: string; versionId: string }>();
  private finishedCounter = 0;

  /** The work item with every version's phase brought up to now. */
  find(id: string): WorkItemRecord | undefined {
    const item = this.items.get(id);
    if (item !== undefined) advancePhases(item, Date.now());
    return item;
  }

  findVersion(item: WorkItemRecord, versionId: string): VersionRecord | undefined {
    return item.versions.find((version) => version.versionId === versionId);
  }

  /**
   * What an administrator does in Advance once the post-assembly app is fixed: its processing of a
   * `PostProcessingFailed` version runs again and succeeds, and the version reads `Completed`.
   * False when the version is not `PostProcessingFailed`.
   */
  rerunPostProcessing(item: WorkItemRecord, versionId: string): boolean {
    const version = this.findVersion(item, versionId);
    if (version?.status !== 'PostProcessingFailed') return false;
    version.postProcessingFails = false;
    version.status = 'Completed';
    version.completedAt = new Date().toISOString();
    // The processing runs on the version's answers as they are now: a correction put while the
    // version was PostProcessingFailed shows in its documents.
    if (version.assembled) version.documents = this.assemble(item, version);
    return true;
  }

  /**
   * The version whose answer set `AnswerSet/Content` reads and updates: the work item's latest
   * version that was not discarded (one version is in progress at a time); undefined before any.
   */
  answerSetVersion(item: WorkItemRecord): VersionRecord | undefined {
    return item.versions.filter((version) => version.status !== 'Discarded').at(-1);
  }

  /** Replaces a version's answers (an answer-set update; the route checks the version's status). */
  replaceAnswers(version: VersionRecord, answers: ParsedAnswers): void {
    version.answerXml = answers.xml;
    version.answers = answers.set;
  }

  create(id: string, fields: WorkItemFields): WorkItemRecord {
    const item: WorkItemRecord = {
      id,
      name: fields.name,
      description: fields.description,
      workGroupId: fields.workGroupId,
      templatePackageId: fields.templatePackageId,
      createdAt: new Date().toISOString(),
      answerXml: fields.answers?.xml ?? null,
      answers: fields.answers?.set ?? null,
      versions: [],
      activeVersionId: null,
    };
    this.items.set(id, item);
    return item;
  }

  update(item: WorkItemRecord, fields: WorkItemFields): void {
    item.name = fields.name;
    item.description = fields.description;
    item.workGroupId = fields.workGroupId;
    item.templatePackageId = fields.templatePackageId;
    if (fields.answers !== undefined) {
      item.answerXml = fields.answers.xml;
      item.answers = fields.answers.set;
    }
  }

  begin(
    item: WorkItemRecord,
    request: {
      versionId: string;
      answers?: ParsedAnswers;
      forceCreate: boolean;
      interviewJsUrlFor: (coreSessionId: string) => string;
    },
  ): BeginOutcome {
    const existing = item.versions.find((version) => version.versionId === request.versionId);
    const active = activeVersion(item);
    if (existing !== undefined && existing === active) return { kind: 'repeat', version: existing };
    if (existing !== undefined) return { kind: 'version-exists', version: existing };
    if (active !== undefined) {
      if (!request.forceCreate) return { kind: 'in-progress', activeVersionId: active.versionId };
      // forceCreate replaces the in-progress session; its unsaved answers are lost.
      active.status = 'Discarded';
      active.coreSessionOpen = false;
    }

    const answers = request.answers ?? this.resumableAnswers(item);
    const coreSessionId = newGuid();
    const session: SessionIds = {
      hdaSessionId: newGuid(),
      coreSessionId,
      interviewJsUrl: request.interviewJsUrlFor(coreSessionId),
    };
    const version: VersionRecord = {
      versionId: request.versionId,
      status: 'InProgress',
      createdAt: new Date().toISOString(),
      completedAt: null,
      assembled: false,
      answerXml: answers.xml,
      answers: answers.set,
      session,
      documents: [],
      finishedSeq: null,
      completingUntil: null,
      processingUntil: null,
      coreSessionOpen: true,
      interviewFinished: false,
    };
    item.versions.push(version);
    item.activeVersionId = version.versionId;
    this.sessionsByCoreId.set(coreSessionId, { workItemId: item.id, versionId: version.versionId });
    return { kind: 'begun', version };
  }

  /** v1.1: ends the in-progress session keeping its answers; undefined when none is in progress. */
  save(item: WorkItemRecord): VersionRecord | undefined {
    const active = activeVersion(item);
    if (active === undefined) return undefined;
    this.saveInProgress(item, active);
    return active;
  }

  /** v2.0 SaveAndClose: saves the named version and closes its Core session. */
  saveVersion(item: WorkItemRecord, versionId: string): VersionOutcome {
    const version = this.findVersion(item, versionId);
    if (version === undefined) return { kind: 'unknown-version' };
    if (version !== activeVersion(item)) return { kind: 'not-in-progress', version };
    this.saveInProgress(item, version);
    return { kind: 'done', version };
  }

  /** v1.1: completes the in-progress session at once, assembling when asked; undefined when none. */
  complete(item: WorkItemRecord, runAssembly: boolean): VersionRecord | undefined {
    const active = activeVersion(item);
    if (active === undefined) return undefined;
    this.completeInProgress(item, active, runAssembly, { completingMs: 0, postProcessingMs: 0 });
    return active;
  }

  /**
   * v2.0 Complete: completes the named version, always assembling. With a `Completing` phase or
   * post-assembly processing configured, the version reads `Completed` only once they are over;
   * its documents are assembled now and listed from then on.
   */
  completeVersion(item: WorkItemRecord, versionId: string, timing: CompletionTiming): VersionOutcome {
    const version = this.findVersion(item, versionId);
    if (version === undefined) return { kind: 'unknown-version' };
    if (version !== activeVersion(item)) return { kind: 'not-in-progress', version };
    this.completeInProgress(item, version, true, timing);
    return { kind: 'done', version };
  }

  /**
   * The Core API's `finishcurrentinterview`: marks the interview of an in-progress version finished.
   * `repeat` when it was finished before or its version is no longer in progress.
   */
  finishInterview(
    coreSessionId: string,
  ): { kind: 'finished' | 'repeat'; version: VersionRecord } | undefined {
    const found = this.findSession(coreSessionId);
    if (found === undefined) return undefined;
    const { version } = found;
    if (version.interviewFinished === true || version.status !== 'InProgress')
      return { kind: 'repeat', version };
    version.interviewFinished = true;
    return { kind: 'finished', version };
  }

  /** Documents of the most recently completed version that was assembled. */
  latestDocuments(item: WorkItemRecord): AssembledDocument[] {
    const assembled = item.versions.filter((version) => version.status === 'Completed' && version.assembled);
    const latest = assembled.sort((a, b) => (b.finishedSeq ?? 0) - (a.finishedSeq ?? 0))[0];
    return latest?.documents ?? [];
  }

  findDocument(item: WorkItemRecord, documentId: string): AssembledDocument | undefined {
    for (const version of item.versions) {
      const document = version.documents.find((candidate) => candidate.id === documentId);
      if (document !== undefined) return document;
    }
    return undefined;
  }

  /** The session behind an interview page, whatever its status (the caller decides what is usable). */
  findSession(coreSessionId: string): { item: WorkItemRecord; version: VersionRecord } | undefined {
    const ids = this.sessionsByCoreId.get(coreSessionId.toLowerCase());
    const item = ids === undefined ? undefined : this.items.get(ids.workItemId);
    const version = item?.versions.find((candidate) => candidate.versionId === ids?.versionId);
    return item !== undefined && version !== undefined ? { item, version } : undefined;
  }

  /** What the interview page posts on Finish: typed answers replace the session's. */
  updateSessionAnswers(version: VersionRecord, typed: Readonly<Record<string, string>>): void {
    version.answers = applyTypedAnswers(version.answers, typed);
    version.answerXml = writeAnswerXml(version.answers);
  }

  snapshot(): WorkItemSnapshot[] {
    const now = Date.now();
    return [...this.items.values()].map((item) => {
      advancePhases(item, now);
      return workItemSnapshot(item);
    });
  }

  clear(): void {
    this.items.clear();
    this.sessionsByCoreId.clear();
    this.finishedCounter = 0;
  }

  /** Everything needed to carry on after a restart (see state-file.ts). */
  exportState(): PersistedStore {
    return { version: 1, items: [...this.items.values()], finishedCounter: this.finishedCounter };
  }

  /** Replaces the model with a persisted one; the session index is rebuilt from the versions. */
  importState(state: PersistedStore): void {
    this.clear();
    for (const item of state.items) {
      this.items.set(item.id, item);
      for (const version of item.versions) {
        this.sessionsByCoreId.set(version.session.coreSessionId, {
          workItemId: item.id,
          versionId: version.versionId,
        });
      }
    }
    this.finishedCounter = state.finishedCounter;
  }

  private saveInProgress(item: WorkItemRecord, version: VersionRecord): void {
    version.status = 'Saved';
    version.finishedSeq = ++this.finishedCounter;
    version.coreSessionOpen = false;
    item.activeVersionId = null;
  }

  private completeInProgress(
    item: WorkItemRecord,
    version: VersionRecord,
    runAssembly: boolean,
    timing: CompletionTiming,
  ): void {
    const now = Date.now();
    version.finishedSeq = ++this.finishedCounter;
    version.coreSessionOpen = false;
    version.completingUntil = now + timing.completingMs;
    version.processingUntil = version.completingUntil + timing.postProcessingMs;
    version.postProcessingFails = timing.postProcessingOutcome === 'failed';
    version.status = 'Completing';
    if (runAssembly) {
      version.assembled = true;
      version.documents = this.assemble(item, version);
    }
    // The work item is free for a new version as soon as the completion is accepted.
    item.activeVersionId = null;
    advancePhases(item, now);
  }

  private assemble(item: WorkItemRecord, version: VersionRecord): AssembledDocument[] {
    return assembleDocuments({
      workItemName: item.name,
      versionId: version.versionId,
      answers: version.answers,
      answerXml: version.answerXml,
    });
  }

  private resumableAnswers(item: WorkItemRecord): ParsedAnswers {
    const finished = item.versions
      .filter((version) => version.status !== 'InProgress' && version.status !== 'Discarded')
      .sort((a, b) => (b.finishedSeq ?? 0) - (a.finishedSeq ?? 0))[0];
    if (finished !== undefined) return { xml: finished.answerXml, set: finished.answers };
    if (item.answerXml !== null && item.answers !== null) return { xml: item.answerXml, set: item.answers };
    const set = emptyAnswerSet();
    return { xml: writeAnswerXml(set), set };
  }
}

function activeVersion(item: WorkItemRecord): VersionRecord | undefined {
  if (item.activeVersionId === null) return undefined;
  return item.versions.find((version) => version.versionId === item.activeVersionId);
}

/**
 * Moves completions along their phases by the clock: phases are kept as end times rather than
 * timers, so every read (HTTP or inspection) sees the same status without anything running.
 */
function advancePhases(item: WorkItemRecord, now: number): void {
  for (const version of item.versions) {
    if (version.status === 'Completing' && now >= (version.completingUntil ?? 0)) {
      version.status = 'PostAssemblyProcessing';
    }
    if (version.status === 'PostAssemblyProcessing' && now >= (version.processingUntil ?? 0)) {
      if (version.postProcessingFails === true) {
        version.status = 'PostProcessingFailed';
      } else {
        version.status = 'Completed';
        version.completedAt = new Date(version.processingUntil ?? now).toISOString();
      }
    }
  }
}

/** When (epoch ms) a completing version will read `Completed`; undefined for any other status. */
export function completedAt(version: VersionRecord): number | undefined {
  if (version.status !== 'Completing' && version.status !== 'PostAssemblyProcessing') return undefined;
  return version.processingUntil ?? undefined;
}
