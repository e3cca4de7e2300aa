/** How far the probe goes: `dry-run` only logs in and reads; `safe` (the default) creates a work item and saves a session; `complete` also assembles. */
export type ProbeMode = 'dry-run' | 'safe' | 'complete';

/** Each mode runs what the ones before it run. */
export const PROBE_MODES: readonly ProbeMode[] = ['dry-run', 'safe', 'complete'];

export function modeRuns(mode: ProbeMode, needed: ProbeMode): boolean {
  return PROBE_MODES.indexOf(mode) >= PROBE_MODES.indexOf(needed);
}
