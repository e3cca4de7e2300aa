import { randomUUID } from 'node:crypto';
import { AdvanceClient, type AdvanceApiVersion, type AdvanceClientOptions } from '../../src/advance';
import { startEmulator, type EmulatorBehaviour, type RunningEmulator } from '../../tools/emulator';

/** An emulator with the given switches, and the Advance client speaking to it over real sockets. */
export interface ClientOnEmulator {
  emulator: RunningEmulator;
  client: AdvanceClient;
}

export async function clientOnEmulator(
  behaviour: Partial<EmulatorBehaviour> = {},
  options: Partial<AdvanceClientOptions> = {},
  apiVersion: AdvanceApiVersion = 'v2.0',
): Promise<ClientOnEmulator> {
  const emulator = await startEmulator({ behaviour });
  const client = new AdvanceClient({
    baseUrl: emulator.apis[apiVersion].cloud.baseUrl,
    authUrl: emulator.cloud.authUrl,
    ...emulator.credentials,
    apiVersion,
    ...options,
  });
  return { emulator, client };
}

/** A new work item, by the client, with made-up group and template package ids. */
export async function newWorkItem(client: AdvanceClient): Promise<string> {
  const id = randomUUID();
  await client.createWorkItem({
    id,
    workGroupId: randomUUID(),
    templatePackageId: randomUUID(),
    name: 'Lease',
  });
  return id;
}

/** The error a call is expected to fail with; a call that succeeds fails the test. */
export async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}
