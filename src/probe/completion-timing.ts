import { setTimeout as sleep } from 'node:timers/promises';
import { versionPhase, type AdvanceClient, type VersionStatus } from '../advance';

/**
 * How long a v2.0 completion took, phase by phase, from the answer to Complete and status reads
 * after it. Times are named to the second: a poll can only place a phase's end between two reads.
 */

/** HotDocs' documented default for how long a call without a callback waits ("20 seconds"). */
export const DOCUMENTED_SYNC_THRESHOLD_MS = 20_000;

export interface StatusSample {
  /** `performance.now()` halfway through the read. */
  at: number;
  status: VersionStatus;
}

export interface CompletionEvidence {
  versionId: string;
  /** `performance.now()` when Complete was sent, and when its answer was in. */
  sentAt: number;
  answeredAt: number;
  /** What the answer said (the client's reading); undefined when it said nothing. */
  answered?: VersionStatus;
  /** Status reads after the answer, in order. */
  samples: StatusSample[];
  /** Whether the version read `Completed` within the wait. */
  completed: boolean;
}

export interface CompletionPhases {
  /** From sending Complete until the version stopped reading `Completing`. */
  completingMs: number;
  /** Then how long it read `PostAssemblyProcessing`. */
  postProcessingMs: number;
  /** Whether Complete itself answered `Completed` (the phases ran inside the call). */
  withinCall: boolean;
}

export function toSecond(ms: number): number {
  return Math.max(0, Math.round(ms / 1000) * 1000);
}

/** Short reads at first (phases of a second or two are common), then one a second. */
function pollInterval(elapsedMs: number): number {
  return elapsedMs < 10_000 ? 250 : 1000;
}

/**
 * Reads the version's status until it reads `Completed`, leaves the completing phases, or
 * `waitMs` has passed since Complete was sent. Failed reads throw.
 */
export async function waitForCompleted(
  client: AdvanceClient,
  workItemId: string,
  evidence: CompletionEvidence,
  waitMs: number,
): Promise<void> {
  if (evidence.answered === 'Completed') {
    evidence.completed = true;
    return;
  }
  for (;;) {
    const before = performance.now();
    const { status } = await client.readVersionStatus(workItemId, evidence.versionId);
    const after = performance.now();
    evidence.samples.push({ at: (before + after) / 2, status });
    if (status === 'Completed') {
      evidence.completed = true;
      return;
    }
    const elapsed = after - evidence.sentAt;
    if (versionPhase(status) !== 'completing' || elapsed >= waitMs) return;
    await sleep(pollInterval(elapsed));
  }
}

/**
 * Each phase ends halfway between the last read that showed it and the next one; a phase never
 * seen lasted no time. Without `Completed` the last phase is counted up to the last read.
 */
export function completionPhases(evidence: CompletionEvidence): CompletionPhases {
  const { sentAt, answeredAt, answered, samples } = evidence;
  // An answer without a status, followed at once by `Completed`, came when the work was done.
  if (answered === 'Completed' || (answered === undefined && samples[0]?.status === 'Completed')) {
    return { completingMs: toSecond(answeredAt - sentAt), postProcessingMs: 0, withinCall: true };
  }
  const timeline: StatusSample[] = [
    ...(answered === undefined ? [] : [{ at: answeredAt, status: answered }]),
    ...samples,
  ];
  const endOf = (status: VersionStatus): number | undefined => {
    const last = timeline.map((sample) => sample.status).lastIndexOf(status);
    if (last < 0) return undefined;
    const next = timeline[last + 1];
    return next === undefined ? timeline[last]!.at : (timeline[last]!.at + next.at) / 2;
  };
  const completingEnd = endOf('Completing') ?? sentAt;
  const processingEnd = endOf('PostAssemblyProcessing') ?? completingEnd;
  return {
    completingMs: toSecond(completingEnd - sentAt),
    postProcessingMs: toSecond(processingEnd - completingEnd),
    withinCall: false,
  };
}

/**
 * The wait of a Complete without a callback, when the answer shows it: the time it took, when it
 * answered before the version was Completed. An answer that came with `Completed` only shows the
 * wait is at least that long: named then only if longer than the emulator's default (HotDocs'
 * documented 20 s), which would otherwise answer sooner.
 */
export function syncThreshold(evidence: CompletionEvidence, phases: CompletionPhases): number | undefined {
  if (!phases.withinCall) return toSecond(evidence.answeredAt - evidence.sentAt);
  const took = phases.completingMs + phases.postProcessingMs;
  return took < DOCUMENTED_SYNC_THRESHOLD_MS ? undefined : took + 1000;
}
