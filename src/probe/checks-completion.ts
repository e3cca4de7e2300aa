import {
  ensureInterviewFinished,
  ensureVersionAssembled,
  type AdvanceApiVersion,
  type VersionStatus,
} from '../advance';
import { bodyOf, exchangeOf, httpText, secondsText } from './answers';
import type { ProbeCheck } from './check';
import { beginNewSession, failed } from './checks-session';
import { ProbeSkip } from './context';
import {
  completionPhases,
  syncThreshold,
  waitForCompleted,
  type CompletionEvidence,
} from './completion-timing';

/**
 * `--complete`: a session completed with assembly, its documents, and on v2.0 how the completion
 * was answered and timed and whether CreateAndAssemble is served. These create documents in
 * Advance and fire any post-assembly webhooks of the template.
 */

const BOTH: readonly AdvanceApiVersion[] = ['v1.1', 'v2.0'];
const COMPLETE_PATH = /\/(Complete|CompleteSession)$/i;
const CREATE_AND_ASSEMBLE_PATH = /\/CreateAndAssemble$/i;

/** @default five minutes: post-assembly webhooks may hold a version that long. */
export const DEFAULT_COMPLETION_WAIT_MS = 300_000;

export const beginForCompletion: ProbeCheck = {
  id: 'begin-for-completion',
  title: 'begin a new session after the save (to complete it)',
  mode: 'complete',
  protocols: BOTH,
  async run(probe) {
    const attempt = await beginNewSession(probe);
    if (!attempt.ok) return failed(attempt);
    probe.state.completionSession = attempt.value;
    return {
      observed: `${httpText(exchangeOf(attempt, /\/Versions\/[^/]+$/i))} with its interview data`,
      handled: true,
    };
  },
};

export const complete: ProbeCheck = {
  id: 'complete',
  title: 'complete it with assembly, without a callback, and wait for Completed',
  mode: 'complete',
  protocols: BOTH,
  mirrors: { switch: 'completeResponseBody', values: ['status', 'empty'], protocols: ['v2.0'] },
  async run(probe) {
    const session = probe.need('completionSession');
    const { workItemId, versionId } = session;
    // As a lifecycle does: on v2.0 the Core interview is finished before Complete (HotDocs'
    // interview use case), so a tenancy that refuses an unfinished one is asked the documented way.
    if (probe.client.capabilities.finishesInterview) {
      const finished = await probe.attempt(() => ensureInterviewFinished(probe.client, session));
      if (!finished.ok) return failed(finished, 'set ADVANCE_CORE_URL if the Core API lives elsewhere');
    }
    const sentAt = performance.now();
    const attempt = await probe.attempt(() => probe.client.completeSession(workItemId, { versionId }));
    const answeredAt = performance.now();
    if (!attempt.ok) return failed(attempt);
    const answer = exchangeOf(attempt, COMPLETE_PATH);
    const took = `${httpText(answer)} after ${secondsText(answeredAt - sentAt)}`;
    if (!probe.client.capabilities.versionStatus) {
      probe.state.completion = {
        versionId,
        sentAt,
        answeredAt,
        answered: 'Completed',
        samples: [],
        completed: true,
      };
      return { observed: took, handled: true };
    }
    const evidence: CompletionEvidence = {
      versionId,
      sentAt,
      answeredAt,
      ...(attempt.value.status !== undefined && { answered: attempt.value.status }),
      samples: [],
      completed: false,
    };
    probe.state.completion = evidence;
    const waitMs = probe.settings.completionWaitMs ?? DEFAULT_COMPLETION_WAIT_MS;
    const waited = await probe.attempt(() => waitForCompleted(probe.client, workItemId, evidence, waitMs));
    const body = bodyOf(answer);
    const said =
      body === undefined ? 'without a body' : `with the status ${attempt.value.status ?? '(unreadable)'}`;
    const after = waited.ok
      ? endText(evidence, waitMs)
      : `; then a status read failed: ${failed(waited).observed}`;
    return {
      observed: `${took}, ${said}${after}`,
      handled: waited.ok && evidence.samples.every((sample) => sample.status !== 'Unknown'),
      value: body === undefined ? 'empty' : 'status',
    };
  },
};

function endText(evidence: CompletionEvidence, waitMs: number): string {
  if (evidence.answered === 'Completed') return '';
  const last: VersionStatus | undefined = evidence.samples.at(-1)?.status;
  if (evidence.completed) return '; then read Completed';
  return `; still ${last ?? 'unread'} after ${secondsText(waitMs)} (waiting stopped there)`;
}

export const completingPhase: ProbeCheck = {
  id: 'completing-phase',
  title: 'how long the version read Completing',
  mode: 'complete',
  protocols: ['v2.0'],
  mirrors: { switch: 'completingMs', values: [0, 1000] },
  async run(probe) {
    const evidence = probe.need('completion');
    const phases = completionPhases(evidence);
    const observed = phases.withinCall
      ? `Complete answered once the version was Completed, ${secondsText(phases.completingMs)} after it was sent`
      : `Completing for ${secondsText(phases.completingMs)} after Complete was sent`;
    return { observed, handled: true, value: phases.completingMs, ...lowerBound(evidence) };
  },
};

export const postProcessingPhase: ProbeCheck = {
  id: 'post-processing-phase',
  title: 'how long it read PostAssemblyProcessing',
  mode: 'complete',
  protocols: ['v2.0'],
  // Seen only when Complete answers before the version is Completed.
  mirrors: { switch: 'postProcessingMs', values: [0, 1000], showsWith: { syncThresholdMs: 0 } },
  async run(probe) {
    const evidence = probe.need('completion');
    const phases = completionPhases(evidence);
    const observed = phases.withinCall
      ? 'not seen apart: Complete answered once the version was Completed'
      : `PostAssemblyProcessing for ${secondsText(phases.postProcessingMs)}`;
    return { observed, handled: true, value: phases.postProcessingMs, ...lowerBound(evidence) };
  },
};

export const syncThresholdCheck: ProbeCheck = {
  id: 'sync-threshold',
  title: 'how long Complete without a callback waits before it answers',
  mode: 'complete',
  protocols: ['v2.0'],
  // Seen only when the completion outlasts the wait.
  mirrors: { switch: 'syncThresholdMs', values: [0, 1000], showsWith: { completingMs: 2000 } },
  async run(probe) {
    const evidence = probe.need('completion');
    const phases = completionPhases(evidence);
    const value = syncThreshold(evidence, phases);
    if (!phases.withinCall) {
      return {
        observed: `it answered before the version was Completed, after ${secondsText(value ?? 0)}`,
        handled: true,
        value,
      };
    }
    const observed = `it answered once the version was Completed (${secondsText(evidence.answeredAt - evidence.sentAt)}): it waits at least that long`;
    if (value !== undefined) return { observed, handled: true, value };
    return {
      observed,
      handled: true,
      unnamed:
        "a completion shorter than the wait does not show how long the wait is; the emulator's default, " +
        "HotDocs' documented 20 s, answers alike",
    };
  },
};

/** The note of a phase that had not ended when the probe stopped waiting. */
function lowerBound(evidence: CompletionEvidence): { note?: string } {
  return evidence.completed ? {} : { note: 'the version had not read Completed yet: a lower bound' };
}

export const documentsAfterComplete: ProbeCheck = {
  id: 'documents-after-complete',
  title: 'list the documents as soon as CompleteSession has answered',
  mode: 'complete',
  protocols: ['v1.1'],
  async run(probe) {
    const { workItemId, versionId } = probe.need('completionSession');
    probe.need('completion');
    const attempt = await probe.attempt(() => probe.client.listDocuments(workItemId));
    if (!attempt.ok) return failed(attempt);
    probe.state.documents = { client: probe.client, versionId, list: attempt.value };
    const count = attempt.value.length;
    if (count > 0) return { observed: `${count} document(s) listed at once`, handled: true };
    return {
      observed: 'no documents listed right after CompleteSession answered',
      handled: false,
      note: 'the client collects documents as soon as CompleteSession answers (or the template assembles none)',
    };
  },
};

export const completedDocuments: ProbeCheck = {
  id: 'completed-documents',
  title: "list the completed version's documents",
  mode: 'complete',
  protocols: ['v2.0'],
  mirrors: { switch: 'versionScopedDocuments', values: [true, false] },
  async run(probe) {
    const { workItemId, versionId } = probe.need('completionSession');
    if (!probe.need('completion').completed) throw new ProbeSkip('the version did not read Completed');
    // A client that has learnt nothing yet about the document paths tries the version's first.
    const client = probe.newClient();
    const attempt = await probe.attempt(() => client.listDocuments(workItemId, { versionId }));
    const scoped = exchangeOf(attempt, /\/Versions\/[^/]+\/Documents$/i);
    if (!attempt.ok) return failed(attempt);
    probe.state.documents = { client, versionId, list: attempt.value };
    const paths =
      scoped?.status === 404
        ? "404: the work item's paths serve them"
        : `${httpText(scoped)}: its own path serves them`;
    return {
      observed: `${paths} (${attempt.value.length} document(s))`,
      handled: true,
      value: scoped?.status !== 404,
    };
  },
};

export const download: ProbeCheck = {
  id: 'download',
  title: 'download the first document',
  mode: 'complete',
  protocols: BOTH,
  async run(probe) {
    const { client, versionId, list } = probe.need('documents');
    const [document] = list;
    if (document === undefined) return { observed: 'not asked: no document was listed', handled: true };
    const { workItemId } = probe.need('completionSession');
    probe.label(document.id, 'document');
    const attempt = await probe.attempt(async () => {
      const got = await client.downloadDocument(workItemId, document.id, { versionId });
      let bytes = 0;
      for await (const chunk of got.body) bytes += (chunk as Buffer).length;
      return { ...got, bytes };
    });
    if (!attempt.ok) return failed(attempt);
    const { contentType, fileName, bytes } = attempt.value;
    return {
      observed: `${contentType}${fileName === undefined ? ', no file name' : ', with a file name'}${bytes === 0 ? ', empty' : ''}`,
      handled: bytes > 0,
    };
  },
};

export const createAndAssemble: ProbeCheck = {
  id: 'create-and-assemble',
  title: 'CreateAndAssemble a new version',
  mode: 'complete',
  protocols: ['v2.0'],
  mirrors: { switch: 'createAndAssemble', values: ['available', 'not-found', 'method-not-allowed'] },
  async run(probe) {
    const item = probe.need('workItem');
    probe.need('completion');
    const configured = probe.settings.options.createAndAssemble;
    // `on` never falls back, so the answer shows as it came.
    const client = probe.newClient({ createAndAssemble: 'on' });
    const versionId = probe.newVersionId();
    const attempt = await probe.attempt(() => client.createAndAssemble(item.id, versionId, probe.answers));
    const call = exchangeOf(attempt, CREATE_AND_ASSEMBLE_PATH);
    if (attempt.ok) {
      probe.state.assembled = { client, versionId };
      return {
        observed: `${httpText(call)}: ${attempt.value.status ?? 'no status'}`,
        handled: true,
        value: 'available',
        ...(configured === 'off' && { note: 'configured off: lifecycles do not use it (auto would)' }),
      };
    }
    const missing =
      call?.status === 404 ? 'not-found' : call?.status === 405 ? 'method-not-allowed' : undefined;
    if (missing === undefined) return failed(attempt);
    return {
      observed: `${httpText(call)}: not served`,
      handled: configured !== 'on',
      value: missing,
      note:
        configured === 'on'
          ? 'configured on, which never falls back: set createAndAssemble (ADVANCE_CREATE_AND_ASSEMBLE) to auto or off'
          : `configured ${configured}: the client creates the version and completes it instead`,
    };
  },
};

export const repeatCreateAndAssemble: ProbeCheck = {
  id: 'repeat-create-and-assemble',
  title: 'CreateAndAssemble the same version again (a retry)',
  mode: 'complete',
  protocols: ['v2.0'],
  mirrors: { switch: 'repeatCreateAndAssemble', values: ['conflict', 'status'] },
  async run(probe) {
    const item = probe.need('workItem');
    const { client, versionId } = probe.need('assembled');
    const attempt = await probe.attempt(() => ensureVersionAssembled(client, item.id, versionId));
    const call = exchangeOf(attempt, CREATE_AND_ASSEMBLE_PATH);
    if (!attempt.ok) return failed(attempt);
    const status = call?.status ?? 0;
    const outcome = `settled as ${attempt.value.outcome}`;
    if (status >= 200 && status < 300) {
      return {
        observed: `${httpText(call)} with the version's status: ${outcome}`,
        handled: true,
        value: 'status',
      };
    }
    return {
      observed: `${httpText(call)}: refused as existing, ${outcome}`,
      handled: true,
      ...(status === 409 ? { value: 'conflict' } : { unnamed: 'the emulator refuses with 409 only' }),
    };
  },
};
