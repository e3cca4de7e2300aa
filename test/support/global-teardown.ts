import { TEMPORAL_GLOBAL_STATE, type TemporalGlobalState } from './global-setup';
import { TEST_ADDRESS_ENV, TEST_NAMESPACE_ENV } from './test-server-env';

/** Stops the dev server that global-setup.ts started; a server the user named is left alone. */
export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<symbol, unknown>)[TEMPORAL_GLOBAL_STATE] as
    TemporalGlobalState | undefined;
  const server = state?.startedServer;
  if (state === undefined || server === undefined) return;
  state.users -= 1;
  if (state.users > 0) return;
  state.startedServer = undefined;
  // Forget the address too: in watch mode the next run happens in this same process and must
  // start a fresh server rather than attach to the stopped one.
  delete process.env[TEST_ADDRESS_ENV];
  delete process.env[TEST_NAMESPACE_ENV];
  await server.stop();
}
