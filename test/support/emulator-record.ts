import type { EndpointName, RunningEmulator } from '../../tools/emulator';

/**
 * What the emulator recorded from the moment this is called: the faults it injected, the requests
 * it served and the work items that appeared since — read from the emulator itself, whatever ran
 * before on the same emulator. (After `reset()` the request log counts from 1 again: take a new one.)
 */
export interface EmulatorRecord {
  faults(): ReturnType<RunningEmulator['injectedFaults']>;
  requests(endpoint?: EndpointName): ReturnType<RunningEmulator['requests']>;
  /** The status of each request to the endpoint, in arrival order: `'reset'` for a dropped connection. */
  statuses(endpoint: EndpointName): Array<number | 'reset'>;
  /** Every work item that did not exist at the start, whatever its id: a duplicate shows here. */
  workItems(): RunningEmulator['state']['workItems'];
}

export function recordFrom(emulator: RunningEmulator): EmulatorRecord {
  const firstSeq = (emulator.requests().at(-1)?.seq ?? 0) + 1;
  const existing = new Set(emulator.state.workItems.map((item) => item.id));
  const requests = (endpoint?: EndpointName) =>
    emulator
      .requests()
      .filter((r) => r.seq >= firstSeq && (endpoint === undefined || r.endpoint === endpoint));
  return {
    faults: () => emulator.injectedFaults().filter((fault) => fault.seq >= firstSeq),
    requests,
    statuses: (endpoint) => requests(endpoint).map((r) => r.status ?? 'reset'),
    workItems: () => emulator.state.workItems.filter((item) => !existing.has(item.id)),
  };
}

/** The requests the emulator served for one work item, as `endpoint` or `endpoint:versionId`. */
export function endpointsFor(emulator: RunningEmulator, workItemId: string): string[] {
  return emulator
    .requests()
    .filter((r) => r.workItemId === workItemId)
    .map((r) => `${r.endpoint}${r.versionId ? `:${r.versionId}` : ''}`);
}
