import type { AdvanceApiVersion } from '../urls';
import type { AdvanceProtocol } from './protocol';
import { protocolV1 } from './v1';
import { protocolV2 } from './v2';

export type * from './protocol';

const PROTOCOLS: Record<AdvanceApiVersion, AdvanceProtocol> = { 'v1.1': protocolV1, 'v2.0': protocolV2 };

/** The adapter for a tenancy's configured API version. */
export function protocolFor(apiVersion: AdvanceApiVersion): AdvanceProtocol {
  return PROTOCOLS[apiVersion];
}
