/**
 * JSON Schema patterns have no flags: a zod regex with `i` (GUIDs are accepted in either case)
 * would come out stricter than the check it describes. Its letters are spelt in both cases.
 */
export function keepCaseInsensitivePatterns(zodSchema: unknown, jsonSchema: { pattern?: string }): void {
  const checks = (zodSchema as { _zod?: { def?: { checks?: { _zod?: { def?: { pattern?: unknown } } }[] } } })
    ._zod?.def?.checks;
  for (const check of checks ?? []) {
    const pattern = check._zod?.def?.pattern;
    if (pattern instanceof RegExp && pattern.flags.includes('i') && jsonSchema.pattern === pattern.source) {
      jsonSchema.pattern = caseInsensitiveSource(pattern.source);
    }
  }
}

/** `[0-9a-f]` → `[0-9a-fA-F]`, `x` → `[xX]`; escapes are kept as they are. */
export function caseInsensitiveSource(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i += 1) {
    const char = source[i] as string;
    if (char === '\\') {
      out += source.slice(i, i + 2);
      i += 1;
    } else if (inClass) {
      const range = /^([a-zA-Z])-([a-zA-Z])/.exec(source.slice(i));
      if (range !== null) {
        const [text, from = '', to = ''] = range;
        out += `${text}${swapCase(from)}-${swapCase(to)}`;
        i += text.length - 1;
      } else {
        out += /[a-zA-Z]/.test(char) ? `${char}${swapCase(char)}` : char;
        if (char === ']') inClass = false;
      }
    } else if (char === '[') {
      inClass = true;
      out += char;
    } else {
      out += /[a-zA-Z]/.test(char) ? `[${char}${swapCase(char)}]` : char;
    }
  }
  return out;
}

function swapCase(char: string): string {
  return char === char.toLowerCase() ? char.toUpperCase() : char.toLowerCase();
}
