import { z } from 'zod';
import { ENDPOINT_NAMES } from './endpoints';

const rate = z.number().min(0).max(1);
const httpErrorStatus = z.int().min(400).max(599);
const latency = z.union([
  z.number().min(0),
  z
    .tuple([z.number().min(0), z.number().min(0)])
    .refine(([min, max]) => min <= max, 'latencyMs range must be [min, max] with min <= max'),
]);

/** A standing rule: every request to the endpoint draws from the seeded PRNG against these rates. */
export const faultRuleSchema = z
  .strictObject({
    endpoint: z.enum([...ENDPOINT_NAMES, '*']),
    errorRate: rate.optional(),
    errorStatuses: z.array(httpErrorStatus).min(1).optional(),
    throttleRate: rate.optional(),
    retryAfterSeconds: z.number().min(0).optional(),
    resetRate: rate.optional(),
    applyThenFailRate: rate.optional(),
    applyThenFail: z.enum(['status', 'reset']).optional(),
    latencyMs: latency.optional(),
  })
  .refine(
    (rule) =>
      (rule.errorRate ?? 0) +
        (rule.throttleRate ?? 0) +
        (rule.resetRate ?? 0) +
        (rule.applyThenFailRate ?? 0) <=
      1,
    'errorRate + throttleRate + resetRate + applyThenFailRate must not exceed 1 (they are exclusive outcomes)',
  );

export const SCRIPTED_FAULT_KINDS = [
  'error',
  'throttle',
  'reset',
  'apply-then-error',
  'apply-then-reset',
  'latency',
  'reset-then-apply',
  'corrupt',
] as const;

/** The endpoints that serve a document's bytes: the only ones a `corrupt` fault can alter. */
export const DOWNLOAD_ENDPOINTS: ReadonlySet<string> = new Set([
  'downloadDocument',
  'downloadVersionDocument',
]);

/** A one-shot fault for deterministic tests: consumed by the next request(s) to its endpoint. */
export const scriptedFaultSchema = z
  .strictObject({
    endpoint: z.enum(ENDPOINT_NAMES),
    fault: z.enum(SCRIPTED_FAULT_KINDS),
    status: httpErrorStatus.optional(),
    retryAfterSeconds: z.number().min(0).optional(),
    latencyMs: z.number().min(0).optional(),
    times: z.int().min(1).optional(),
  })
  .refine((entry) => entry.fault !== 'corrupt' || DOWNLOAD_ENDPOINTS.has(entry.endpoint), {
    message: 'a corrupt fault alters a document download: downloadDocument or downloadVersionDocument',
    path: ['endpoint'],
  });

export const faultsConfigSchema = z.strictObject({
  seed: z.int().optional(),
  rules: z.array(faultRuleSchema).optional(),
  script: z.array(scriptedFaultSchema).optional(),
});

export type FaultRule = z.infer<typeof faultRuleSchema>;
export type ScriptedFault = z.infer<typeof scriptedFaultSchema>;
export type FaultKind = (typeof SCRIPTED_FAULT_KINDS)[number];
export type FaultsConfig = z.input<typeof faultsConfigSchema>;

export const DEFAULT_FAULT_SEED = 1;
export const DEFAULT_ERROR_STATUSES: readonly number[] = [500, 502, 503];
export const DEFAULT_RETRY_AFTER_SECONDS = 1;
/** Status of a scripted `error` without one: "service unavailable" is the typical transient failure. */
export const DEFAULT_SCRIPTED_ERROR_STATUS = 503;
/** Status of `apply-then-error` without one: a gateway that lost the upstream's answer. */
export const DEFAULT_APPLY_THEN_ERROR_STATUS = 502;
export const DEFAULT_SCRIPTED_LATENCY_MS = 1000;
/**
 * How long after its reset a `reset-then-apply` request is applied without one: an hour, so that
 * a test releases it when it wants it (`releaseDelayedRequests()`), as a stray request that arrives
 * whenever it arrives.
 */
export const DEFAULT_RESET_THEN_APPLY_MS = 3_600_000;
