import { parseArgs } from 'node:util';

/** The options a caller gave, without the ones left undefined, so they can be spread over defaults. */
export function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A whole-number command-line option, undefined when not given. */
export function intOption(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}

/** `--protocol`: v1.1 or v2.0, undefined when not given. */
export function protocolOption(text: string | undefined): 'v1.1' | 'v2.0' | undefined {
  if (text !== undefined && text !== 'v1.1' && text !== 'v2.0')
    throw new Error('--protocol must be v1.1 or v2.0');
  return text;
}

/** `--baseline a,b`: the git refs to compare with, undefined when not given. */
export function baselineRefs(text: string | undefined): string[] | undefined {
  return text?.split(',').map((ref) => ref.trim());
}

/**
 * The command line of a gateway benchmark in rounds (finish-route, person-latencies): `--rounds`,
 * `--single`, `--concurrent`, `--concurrency`, `--protocol`, `--baseline`, `--json-only`, and
 * `--warmup` where the benchmark has it. Unknown options are refused.
 */
export function roundsCommandLine({ warmup = false }: { warmup?: boolean } = {}) {
  const { values } = parseArgs({
    options: {
      baseline: { type: 'string' },
      rounds: { type: 'string' },
      single: { type: 'string' },
      concurrent: { type: 'string' },
      concurrency: { type: 'string' },
      protocol: { type: 'string' },
      'json-only': { type: 'boolean', default: false },
      ...(warmup && { warmup: { type: 'string' } }),
    },
  });
  return {
    settings: {
      rounds: intOption(values.rounds),
      single: intOption(values.single),
      concurrent: intOption(values.concurrent),
      concurrency: intOption(values.concurrency),
      protocol: protocolOption(values.protocol),
      baselines: baselineRefs(values.baseline),
    },
    warmup: intOption(values['warmup'] as string | undefined),
    jsonOnly: values['json-only'] === true,
  };
}
