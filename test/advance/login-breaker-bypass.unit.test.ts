import { randomUUID } from 'node:crypto';
import { AdvanceAuthError, AdvanceClient } from '../../src/advance';
import { AdvanceClients } from '../../src/activities/advance-clients';
import { startEmulator, type RunningEmulator } from '../../tools/emulator';

/**
 * The login breaker against the emulator: after a refused login, an automatic retry is answered
 * from the breaker without a request to Advance, while an operator's retry (`operatorRetry`, sent
 * by the workflow after `repair retry`) logs in at once; its success closes the breaker.
 */

const PASSWORD = 'correct horse battery staple';
let emulator: RunningEmulator;
let clients: AdvanceClients;

beforeEach(async () => {
  emulator = await startEmulator({ principalPassword: PASSWORD });
  const client = new AdvanceClient({
    baseUrl: emulator.apis['v1.1'].cloud.baseUrl,
    authUrl: emulator.cloud.authUrl,
    clientName: emulator.credentials.clientName,
    principalName: emulator.credentials.principalName,
    principalPassword: PASSWORD,
    loginBreakerSeconds: 3600,
  });
  clients = new AdvanceClients(new Map([['acme', client]]), 'acme');
});

afterEach(async () => {
  await clients?.close();
  await emulator?.close();
});

const loginRequests = () => emulator.requests().filter((r) => r.endpoint === 'login').length;
const signal = () => new AbortController().signal;

/** Refuses the worker's password at Advance and lets one step meet the refusal. */
async function refuseOnce(): Promise<void> {
  emulator.setPrincipalPassword('rotated-elsewhere');
  const client = await clients.forStep({ tenancy: 'acme' }, signal());
  await expect(client.acquireToken()).rejects.toThrow(/login was refused \(HTTP 401\)/);
  expect(loginRequests()).toBe(1);
}

test('an automatic retry is held by the breaker: refused again without a request, even once fixed', async () => {
  await refuseOnce();
  // Fixed at Advance, but an automatic retry does not find out until the breaker's interval ends.
  emulator.setPrincipalPassword(PASSWORD);
  const client = await clients.forStep({ tenancy: 'acme' }, signal());
  const held = client.acquireToken();
  await expect(held).rejects.toThrow(AdvanceAuthError);
  await expect(held).rejects.toThrow(/not tried again for \d+ s/);
  await expect(clients.forStep({ tenancy: 'acme', operatorRetry: false }, signal())).resolves.toBe(client);
  await expect(client.acquireToken()).rejects.toThrow(/not tried again/);
  expect(loginRequests()).toBe(1);
});

test("an operator's retry logs in at once, and its success closes the breaker for the tenancy", async () => {
  await refuseOnce();
  emulator.setPrincipalPassword(PASSWORD);
  await clients.forStep({ tenancy: 'acme', operatorRetry: true }, signal());
  expect(loginRequests()).toBe(2);
  expect(emulator.logins().succeeded).toBe(1);
  // The step's own calls, and other lifecycles' automatic retries, use the token it got.
  const automatic = await clients.forStep({ tenancy: 'acme' }, signal());
  await expect(automatic.acquireToken()).resolves.toMatchObject({ loggedIn: false });
  expect(loginRequests()).toBe(2);
  // The breaker is closed: when Advance drops the token, an automatic login goes through.
  emulator.expireTokens();
  const item = {
    id: randomUUID(),
    workGroupId: randomUUID(),
    templatePackageId: randomUUID(),
    name: 'Lease',
  };
  await automatic.createWorkItem(item);
  expect(loginRequests()).toBe(3);
  expect(emulator.logins().succeeded).toBe(2);
});

test("an operator's retry with the password still wrong is refused by Advance itself and re-arms the breaker", async () => {
  await refuseOnce();
  await expect(clients.forStep({ tenancy: 'acme', operatorRetry: true }, signal())).rejects.toThrow(
    /login was refused \(HTTP 401\) for client/,
  );
  expect(loginRequests()).toBe(2);
  const client = await clients.forStep({ tenancy: 'acme' }, signal());
  await expect(client.acquireToken()).rejects.toThrow(/not tried again/);
  expect(loginRequests()).toBe(2);
});
