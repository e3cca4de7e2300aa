import { ENDPOINT_NAMES, type ApiVersion, type EndpointName } from './endpoints';
import type { FaultKind } from './fault-config';

export interface RequestFaultSummary {
  kind: FaultKind;
  status?: number;
  /**
   * Whether the request was carried out (see `InjectedFault.applied`); for `reset-then-apply`,
   * false until the late request changed state.
   */
  applied: boolean;
  latencyMs?: number;
}

export interface RequestLogEntry {
  /** Arrival order, from 1; the log is kept in this order. */
  seq: number;
  /** Arrival time, ISO 8601. */
  at: string;
  endpoint: EndpointName;
  /** The REST API version of the path; absent for the auth service. */
  api?: ApiVersion;
  method: string;
  path: string;
  /** Status the client saw; `null` while in flight or when the connection was reset instead. */
  status: number | null;
  workItemId?: string;
  versionId?: string;
  fault?: RequestFaultSummary;
}

export interface EndpointCount {
  total: number;
  /** Keyed by status code as a string, plus `"reset"` for connections reset without an answer. */
  byStatus: Record<string, number>;
}

export type EndpointCounts = Record<EndpointName, EndpointCount>;

/** The ordered log of Advance calls: tests assert call order and outcomes from it. */
export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private nextSeq = 1;

  begin(call: { endpoint: EndpointName; method: string; path: string; api?: ApiVersion }): RequestLogEntry {
    const entry: RequestLogEntry = {
      seq: this.nextSeq++,
      at: new Date().toISOString(),
      endpoint: call.endpoint,
      ...(call.api !== undefined && { api: call.api }),
      method: call.method,
      path: call.path,
      status: null,
    };
    this.entries.push(entry);
    return entry;
  }

  list(): RequestLogEntry[] {
    return this.entries.map((entry) => structuredClone(entry));
  }

  /** Counts only finished requests: answered ones by status, reset ones as `"reset"`. */
  counts(): EndpointCounts {
    const counts = Object.fromEntries(
      ENDPOINT_NAMES.map((name) => [name, { total: 0, byStatus: {} as Record<string, number> }]),
    ) as EndpointCounts;
    for (const entry of this.entries) {
      const key = entry.status !== null ? String(entry.status) : isReset(entry) ? 'reset' : undefined;
      if (key === undefined) continue;
      const count = counts[entry.endpoint];
      count.total += 1;
      count.byStatus[key] = (count.byStatus[key] ?? 0) + 1;
    }
    return counts;
  }

  clear(): void {
    this.entries = [];
    this.nextSeq = 1;
  }
}

function isReset(entry: RequestLogEntry): boolean {
  const kind = entry.fault?.kind;
  return kind === 'reset' || kind === 'apply-then-reset' || kind === 'reset-then-apply';
}
