import type { ProbeCheck } from './check';
import {
  beginForCompletion,
  complete,
  completedDocuments,
  completingPhase,
  createAndAssemble,
  documentsAfterComplete,
  download,
  postProcessingPhase,
  repeatCreateAndAssemble,
  syncThresholdCheck,
} from './checks-completion';
import {
  beginSession,
  createWorkItem,
  login,
  readUnknownWorkItem,
  repeatBegin,
  repeatCreate,
  saveAgain,
  saveSession,
  secondSession,
  workItemDocuments,
  workItemSession,
  workItemVersions,
} from './checks-session';
import { finishInterview, finishInterviewAnswer, repeatFinishInterview } from './checks-interview';
import {
  documentsBeforeCompleted,
  statusAfterSave,
  versionList,
  versionStatusShape,
  versionStatusSpelling,
} from './checks-version';

/** Rate limits are no switch (the emulator injects them as faults); the probe reports any it met. */
const throttling: ProbeCheck = {
  id: 'throttling',
  title: 'rate limits met during the probe',
  mode: 'dry-run',
  protocols: ['v1.1', 'v2.0'],
  async run(probe) {
    const throttled = probe.recorder.all().filter((exchange) => exchange.status === 429);
    if (throttled.length === 0) return { observed: 'no answer was 429', handled: true };
    const waits = throttled.flatMap((exchange) =>
      exchange.retryAfter === undefined ? [] : [exchange.retryAfter],
    );
    return {
      observed: `${throttled.length} answer(s) 429, ${waits.length === 0 ? 'without Retry-After' : `Retry-After ${waits.join(', ')}`}`,
      handled: true,
      note: 'lifecycles retry after Retry-After; the probe does not retry, so run it again for the checks that met one',
    };
  },
};

/**
 * The probe, in the order it runs: each entry asks the tenancy one thing (docs/advance-v2.md's
 * assumptions, the v1.1 open points) and, where an emulator switch covers it, names the value.
 * Entries read what earlier ones learnt (the work item, the session), so order matters; an entry
 * whose protocol or mode does not apply is left out of the run.
 */
export const PROBE_CHECKS: readonly ProbeCheck[] = [
  login,
  readUnknownWorkItem,
  createWorkItem,
  repeatCreate,
  beginSession,
  repeatBegin,
  secondSession,
  workItemSession,
  workItemVersions,
  versionStatusShape,
  versionStatusSpelling,
  versionList,
  documentsBeforeCompleted,
  workItemDocuments,
  finishInterview,
  finishInterviewAnswer,
  repeatFinishInterview,
  saveSession,
  saveAgain,
  statusAfterSave,
  beginForCompletion,
  complete,
  completingPhase,
  postProcessingPhase,
  syncThresholdCheck,
  documentsAfterComplete,
  completedDocuments,
  download,
  createAndAssemble,
  repeatCreateAndAssemble,
  throttling,
];
