/** The REST API versions a worker can speak to the emulator with. */
export type EmulatorApiVersion = 'v1.1' | 'v2.0';

/** What the worker's configuration needs to talk to an emulator (in this process or another). */
export interface EmulatorLocation {
  cloud: { baseUrl: string; authUrl: string };
  /** The cloud-shaped URLs per API version; needed for v2.0. */
  apis?: Readonly<Record<EmulatorApiVersion, { cloud: { baseUrl: string; authUrl: string } }>>;
  credentials: { clientName: string; principalName: string; principalPassword: string };
}

/**
 * The `ADVANCE_*` variables that point a worker at an emulator, as an operator would set them:
 * `npm run dev`, the tests, the benchmarks and the chaos run all configure workers this way.
 */
export function advanceEnvForEmulator(
  emulator: EmulatorLocation,
  apiVersion: EmulatorApiVersion = 'v1.1',
): Record<string, string> {
  const cloud = apiVersion === 'v1.1' ? emulator.cloud : emulator.apis?.[apiVersion].cloud;
  if (cloud === undefined) throw new Error(`this emulator location names no ${apiVersion} base URL`);
  return {
    ADVANCE_BASE_URL: cloud.baseUrl,
    ADVANCE_AUTH_URL: cloud.authUrl,
    ADVANCE_CLIENT_NAME: emulator.credentials.clientName,
    ADVANCE_PRINCIPAL_NAME: emulator.credentials.principalName,
    ADVANCE_PRINCIPAL_PASSWORD: emulator.credentials.principalPassword,
    // v1.1 is the default: left out, so the dev worker runs as a deployment that never set it.
    ...(apiVersion === 'v1.1' ? {} : { ADVANCE_API_VERSION: apiVersion }),
  };
}
