import type { z } from 'zod';

/** Every problem zod found, one per line as `path: message`, so a caller can fix them all at once. */
export function describeZodIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
      return `${where}: ${issue.message}`;
    })
    .join('\n');
}
