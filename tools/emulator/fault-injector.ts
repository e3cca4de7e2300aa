import type { EndpointName } from './endpoints';
import {
  DEFAULT_APPLY_THEN_ERROR_STATUS,
  DEFAULT_ERROR_STATUSES,
  DEFAULT_FAULT_SEED,
  DEFAULT_RESET_THEN_APPLY_MS,
  DEFAULT_RETRY_AFTER_SECONDS,
  DEFAULT_SCRIPTED_ERROR_STATUS,
  DEFAULT_SCRIPTED_LATENCY_MS,
  type FaultKind,
  type FaultRule,
  type ScriptedFault,
} from './fault-config';
import { mulberry32 } from './prng';

/** What happens to one request, decided when it arrives. */
export interface FaultPlan {
  /** Delay before handling; 0 for none. */
  latencyMs: number;
  /** The fault, if any; `latency` alone means "only delayed". */
  kind?: FaultKind;
  status?: number;
  retryAfterSeconds?: number;
  /** `reset-then-apply`: how long after the reset the request is applied. */
  applyAfterMs?: number;
  source?: 'script' | 'rule';
}

/** One injected fault, kept for inspection. */
export interface InjectedFault {
  /** `seq` of the request in the request log. */
  seq: number;
  at: string;
  endpoint: EndpointName;
  kind: FaultKind;
  source: 'script' | 'rule';
  status?: number;
  retryAfterSeconds?: number;
  latencyMs?: number;
  /**
   * Whether the request was carried out: it changed state (apply-then-*, reset-then-apply, latency)
   * or served what it was asked for (a `corrupt` download served altered bytes).
   */
  applied: boolean;
}

export interface ActiveFaults {
  seed: number;
  rules: FaultRule[];
  /** What is left of the script: consumed entries are removed, `times` counts down. */
  script: ScriptedFault[];
}

/**
 * Decides faults per request: scripted one-shots first (in order, per endpoint), then standing
 * rules drawn from a seeded PRNG. Each request that matches a rule draws exactly four numbers, so
 * the sequence of faults depends only on the seed and the order of requests.
 */
export class FaultInjector {
  private seed = DEFAULT_FAULT_SEED;
  private rules: FaultRule[] = [];
  private script: Array<ScriptedFault & { times: number }> = [];
  private random: () => number = mulberry32(DEFAULT_FAULT_SEED);
  private readonly injected: InjectedFault[] = [];

  /** Replaces the whole configuration and restarts the PRNG from the seed. */
  configure(config: { seed?: number; rules?: FaultRule[]; script?: ScriptedFault[] }): void {
    this.seed = config.seed ?? DEFAULT_FAULT_SEED;
    this.rules = (config.rules ?? []).map((rule) => ({ ...rule }));
    this.script = (config.script ?? []).map((entry) => ({ ...entry, times: entry.times ?? 1 }));
    this.random = mulberry32(this.seed);
  }

  clearInjected(): void {
    this.injected.length = 0;
  }

  active(): ActiveFaults {
    return {
      seed: this.seed,
      rules: this.rules.map((rule) => structuredClone(rule)),
      script: this.script.map((entry) => ({ ...entry })),
    };
  }

  injectedFaults(): InjectedFault[] {
    return this.injected.map((fault) => ({ ...fault }));
  }

  record(fault: InjectedFault): void {
    this.injected.push(fault);
  }

  plan(endpoint: EndpointName): FaultPlan {
    const scripted = this.takeScripted(endpoint);
    // Rules draw even when a scripted fault wins, so adding a script never shifts the rule sequence.
    const ruled = this.drawFromRule(endpoint);
    return scripted ?? ruled;
  }

  private takeScripted(endpoint: EndpointName): FaultPlan | undefined {
    const index = this.script.findIndex((entry) => entry.endpoint === endpoint);
    const entry = this.script[index];
    if (entry === undefined) return undefined;
    entry.times -= 1;
    if (entry.times <= 0) this.script.splice(index, 1);

    switch (entry.fault) {
      case 'latency':
        return {
          latencyMs: entry.latencyMs ?? DEFAULT_SCRIPTED_LATENCY_MS,
          kind: 'latency',
          source: 'script',
        };
      case 'error':
        return {
          latencyMs: entry.latencyMs ?? 0,
          kind: 'error',
          status: entry.status ?? DEFAULT_SCRIPTED_ERROR_STATUS,
          source: 'script',
        };
      case 'throttle':
        return {
          latencyMs: entry.latencyMs ?? 0,
          kind: 'throttle',
          status: 429,
          retryAfterSeconds: entry.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS,
          source: 'script',
        };
      case 'apply-then-error':
        return {
          latencyMs: entry.latencyMs ?? 0,
          kind: 'apply-then-error',
          status: entry.status ?? DEFAULT_APPLY_THEN_ERROR_STATUS,
          source: 'script',
        };
      case 'reset':
      case 'apply-then-reset':
      case 'corrupt':
        return { latencyMs: entry.latencyMs ?? 0, kind: entry.fault, source: 'script' };
      case 'reset-then-apply':
        return {
          latencyMs: 0,
          kind: 'reset-then-apply',
          applyAfterMs: entry.latencyMs ?? DEFAULT_RESET_THEN_APPLY_MS,
          source: 'script',
        };
    }
  }

  private drawFromRule(endpoint: EndpointName): FaultPlan {
    const rule =
      this.rules.find((candidate) => candidate.endpoint === endpoint) ??
      this.rules.find((candidate) => candidate.endpoint === '*');
    if (rule === undefined) return { latencyMs: 0 };

    const [latencyDraw, kindDraw, statusDraw, modeDraw] = [
      this.random(),
      this.random(),
      this.random(),
      this.random(),
    ];
    const latencyMs = pickLatency(rule.latencyMs, latencyDraw);
    const statuses = rule.errorStatuses ?? DEFAULT_ERROR_STATUSES;
    const status = statuses[Math.floor(statusDraw * statuses.length)] ?? DEFAULT_SCRIPTED_ERROR_STATUS;

    // One draw partitioned into exclusive outcomes: error | throttle | reset | apply-then-fail | none.
    let threshold = rule.errorRate ?? 0;
    if (kindDraw < threshold) return { latencyMs, kind: 'error', status, source: 'rule' };
    threshold += rule.throttleRate ?? 0;
    if (kindDraw < threshold) {
      const retryAfterSeconds = rule.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
      return { latencyMs, kind: 'throttle', status: 429, retryAfterSeconds, source: 'rule' };
    }
    threshold += rule.resetRate ?? 0;
    if (kindDraw < threshold) return { latencyMs, kind: 'reset', source: 'rule' };
    threshold += rule.applyThenFailRate ?? 0;
    if (kindDraw < threshold) {
      const mode = rule.applyThenFail ?? (modeDraw < 0.5 ? 'status' : 'reset');
      return mode === 'status'
        ? { latencyMs, kind: 'apply-then-error', status, source: 'rule' }
        : { latencyMs, kind: 'apply-then-reset', source: 'rule' };
    }
    return latencyMs > 0 ? { latencyMs, kind: 'latency', source: 'rule' } : { latencyMs: 0 };
  }
}

function pickLatency(latency: FaultRule['latencyMs'], draw: number): number {
  if (latency === undefined) return 0;
  if (typeof latency === 'number') return latency;
  const [min, max] = latency;
  return Math.round(min + draw * (max - min));
}
