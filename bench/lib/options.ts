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
