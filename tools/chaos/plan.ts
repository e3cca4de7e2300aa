import { mulberry32 } from '../emulator/prng';
import type { SessionMode } from '../../src/workflows/input';

/**
 * What the run will do, decided up front from the seed: which lifecycles, with which sessions,
 * and at what point of the run workers die and the server restarts. Everything random in the
 * chaos run (besides the order in which requests happen to arrive) comes from here.
 */

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** A float in [min, max). */
  between(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
}

export function seededRandom(seed: number): Random {
  const next = mulberry32(seed);
  const random: Random = {
    next,
    between: (min, max) => min + next() * (max - min),
    chance: (probability) => next() < probability,
    pick: (items) => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
  };
  return random;
}

export type LifecycleKind = 'interview' | 'batch' | 'follow-up';

export interface FollowUpPlan {
  /** The `requestFollowUpSession` signal (fire and forget) or the `beginFollowUpSession` update. */
  via: 'signal' | 'update';
  mode: SessionMode;
  /** Sent at once (queued behind the active session) or once the lifecycle is idle. */
  when: 'at-once' | 'when-idle';
}

export interface LifecyclePlan {
  index: number;
  kind: LifecycleKind;
  /** The first session's mode. */
  mode: SessionMode;
  followUps: FollowUpPlan[];
}

/** Sessions a lifecycle asks Advance for: the first one and each follow-up. */
export function requestedSessions(plan: LifecyclePlan): number {
  return 1 + plan.followUps.length;
}

/**
 * The mix: 40 % interview lifecycles, 40 % batch, 20 % with one or two follow-ups (signal and
 * update both used), in exact proportions and shuffled so that every kind runs all through the run.
 */
export function planLifecycles(count: number, random: Random): LifecyclePlan[] {
  const followUpCount = Math.round(count * 0.2);
  const interviewCount = Math.round((count - followUpCount) / 2);
  const kinds: LifecycleKind[] = [
    ...Array<LifecycleKind>(followUpCount).fill('follow-up'),
    ...Array<LifecycleKind>(interviewCount).fill('interview'),
    ...Array<LifecycleKind>(count - followUpCount - interviewCount).fill('batch'),
  ];
  shuffle(kinds, random);
  return kinds.map((kind, index) => {
    if (kind !== 'follow-up') return { index, kind, mode: kind, followUps: [] };
    const followUps = Array.from({ length: random.chance(0.5) ? 2 : 1 }, (): FollowUpPlan => ({
      via: random.chance(0.5) ? 'signal' : 'update',
      mode: random.chance(0.5) ? 'interview' : 'batch',
      when: random.chance(0.5) ? 'at-once' : 'when-idle',
    }));
    return { index, kind, mode: random.chance(0.5) ? 'interview' : 'batch', followUps };
  });
}

export type ChaosAction =
  | {
      kind: 'kill-workers';
      /** Every running worker, not just one: a window with none at all. */ all: boolean;
    }
  | { kind: 'restart-server' };

export interface ScheduledAction {
  /** Fraction of lifecycles finished when the action becomes due. */
  atProgress: number;
  /** Extra wait once due, so that it lands at a random moment rather than right after a completion. */
  delayMs: number;
  action: ChaosAction;
}

/**
 * Kill and restart moments, as fractions of finished lifecycles, all before 85 % so that each
 * one hits a busy system. A third of the kills take every worker down at once.
 */
export function planChaos(
  options: { workerKills: number; serverRestarts: number },
  random: Random,
): ScheduledAction[] {
  const actions: ScheduledAction[] = [];
  for (let i = 0; i < options.workerKills; i++) {
    actions.push({
      atProgress: random.between(0.03, 0.85),
      delayMs: Math.round(random.between(0, 3_000)),
      action: { kind: 'kill-workers', all: random.chance(1 / 3) },
    });
  }
  for (let i = 0; i < options.serverRestarts; i++) {
    actions.push({
      atProgress: random.between(0.3, 0.7),
      delayMs: Math.round(random.between(0, 3_000)),
      action: { kind: 'restart-server' },
    });
  }
  return actions.sort((a, b) => a.atProgress - b.atProgress);
}

function shuffle<T>(items: T[], random: Random): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    const a = items[i] as T;
    items[i] = items[j] as T;
    items[j] = a;
  }
}
