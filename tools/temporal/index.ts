// Local Temporal servers for dev, tests and benchmarks: finding the binaries and running them.
export { startDevServer, type DevServerOptions, type RunningDevServer } from './dev-server';
export { findFreePort } from '../../src/observability/free-port';
export { ensureTemporalTools } from './install-temporal-tools';
export {
  resolveTemporalCli,
  resolveTemporalTestServer,
  toEphemeralServerExecutable,
  type ResolvedTemporalBinary,
  type TemporalBinaryLookupOptions,
} from './temporal-binaries';
export { readPinnedTemporalToolVersions, type PinnedTemporalToolVersions } from './temporal-tool-versions';
