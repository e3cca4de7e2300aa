import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** The innermost message: an activity failure's cause says what Advance said. */
export function messageOf(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause !== undefined) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** The `type` of the `ApplicationFailure` an activity failed with (see failure-types.ts). */
export function failureTypeOf(error: unknown): string | undefined {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure
    ? (error.cause.type ?? undefined)
    : undefined;
}

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
