import { parseDuration } from './duration';

/** Workflow time (replayed deterministically), as ISO text for state and status. */
export function nowIso(): string {
  return new Date(Date.now()).toISOString();
}

/** Milliseconds of an optional duration text ("14d"); undefined when absent. */
export function optionalDurationMs(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseDuration(text);
}
