/** What the worker's configuration needs to talk to an emulator (in this process or another). */
export interface EmulatorLocation {
  cloud: { baseUrl: string; authUrl: string };
  credentials: { clientName: string; principalName: string; principalPassword: string };
}

/**
 * The `ADVANCE_*` variables that point a worker at an emulator, as an operator would set them:
 * `npm run dev`, the tests, the benchmarks and the chaos run all configure workers this way.
 */
export function advanceEnvForEmulator(emulator: EmulatorLocation): Record<string, string> {
  return {
    ADVANCE_BASE_URL: emulator.cloud.baseUrl,
    ADVANCE_AUTH_URL: emulator.cloud.authUrl,
    ADVANCE_CLIENT_NAME: emulator.credentials.clientName,
    ADVANCE_PRINCIPAL_NAME: emulator.credentials.principalName,
    ADVANCE_PRINCIPAL_PASSWORD: emulator.credentials.principalPassword,
  };
}
