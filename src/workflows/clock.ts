/** Workflow time (replayed deterministically), as ISO text for state and status. */
export function nowIso(): string {
  return new Date(Date.now()).toISOString();
}
