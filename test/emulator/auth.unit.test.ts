import { controlDate } from '../support/controlled-date';
import { decodeJwtPayload, emulatorHarness, http, newId } from '../support/emulator-harness';

afterEach(() => jest.useRealTimers());

const harness = emulatorHarness();

describe('login (service principal flow)', () => {
  it('returns a bare text/plain JWT with sub, iat and exp', async () => {
    const test = await harness.start({ tokenLifetimeSeconds: 600 });
    const response = await test.loginRequest();

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const parts = response.text.split('.');
    expect(parts).toHaveLength(3);
    const header = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    const payload = decodeJwtPayload(response.text);
    expect(payload.sub).toBe('orchestrator');
    expect(Number(payload.exp) - Number(payload.iat)).toBe(600);
  });

  it('issues opaque tokens when asked', async () => {
    const test = await harness.start({ tokenFormat: 'opaque' });
    const token = await test.login();
    expect(token).not.toContain('.');
    expect((await test.getWorkItem(token, newId())).status).toBe(404);
  });

  it('serves both auth path shapes, case-insensitively, and reads field names case-insensitively', async () => {
    const test = await harness.start();
    const onPremise = await http(
      'POST',
      `${test.emulator.onPremise.authUrl}/Authorize/ServicePrincipalLogIn`,
      {
        body: test.credentialsBody(),
      },
    );
    expect(onPremise.status).toBe(200);
    const shouting = await http('POST', `${test.emulator.url}/AUTH/authorize/serviceprincipallogin`, {
      body: {
        clientName: 'hotdocs-temporal',
        principalname: 'orchestrator',
        PRINCIPALPASSWORD: 'emulator-secret',
      },
    });
    expect(shouting.status).toBe(200);
  });

  it('answers 401 for each wrong credential and counts every attempt', async () => {
    const test = await harness.start({ principalPassword: 'p4ss' });
    const good = test.credentialsBody();
    for (const field of ['ClientName', 'PrincipalName', 'PrincipalPassword']) {
      const response = await test.loginRequest({ ...good, [field]: 'wrong' });
      expect(response.status).toBe(401);
      expect(response.json()).toEqual({ message: 'Invalid client name, principal name or password' });
    }
    expect((await test.loginRequest()).status).toBe(200);
    expect(test.emulator.logins()).toEqual({ total: 4, succeeded: 1, failed: 3 });
  });

  it('answers 400 for malformed JSON and missing fields, and counts them as failed logins', async () => {
    const test = await harness.start();
    const malformed = await test.loginRequest('{"ClientName": ');
    expect(malformed.status).toBe(400);
    expect(malformed.json<{ message: string }>().message).toMatch(/Malformed JSON/);

    const missing = await test.loginRequest({ ClientName: 'hotdocs-temporal' });
    expect(missing.status).toBe(400);
    expect(missing.json<{ message: string }>().message).toContain('PrincipalName, PrincipalPassword');

    const empty = await http('POST', `${test.auth}/Authorize/ServicePrincipalLogIn`);
    expect(empty.status).toBe(400);

    const logins = await http('GET', test.control('/logins'));
    expect(logins.json()).toEqual({ total: 3, succeeded: 0, failed: 3 });
  });
});

describe('bearer tokens on API calls', () => {
  it('answers 401 without a token or with an unknown one', async () => {
    const test = await harness.start();
    const id = newId();
    const missing = await http('GET', `${test.api}/WorkItems/${id}`);
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    const unknown = await test.getWorkItem('not-a-token', id);
    expect(unknown.status).toBe(401);
    expect(unknown.json()).toEqual({ message: 'The access token is not valid' });
  });

  it('really expires a token after tokenLifetimeSeconds, and not before', async () => {
    const clock = controlDate();
    const test = await harness.start({ tokenLifetimeSeconds: 60 });
    const token = await test.login();
    expect((await test.getWorkItem(token, newId())).status).toBe(404);

    clock.advance(59_000);
    expect((await test.getWorkItem(token, newId())).status).toBe(404);
    clock.advance(1_000);

    const expired = await test.getWorkItem(token, newId());
    expect(expired.status).toBe(401);
    expect(expired.json()).toEqual({ message: 'The access token has expired' });
    expect(expired.headers['www-authenticate']).toContain('invalid_token');
    const fresh = await test.login();
    expect((await test.getWorkItem(fresh, newId())).status).toBe(404);
  });

  it('expires every issued token at once through expireTokens() and the control endpoint', async () => {
    const test = await harness.start();
    const first = await test.login();
    const second = await test.login();
    test.emulator.expireTokens();
    expect((await test.getWorkItem(first, newId())).status).toBe(401);
    expect((await test.getWorkItem(second, newId())).status).toBe(401);

    const third = await test.login();
    expect((await http('POST', test.control('/tokens/expire'))).status).toBe(200);
    expect((await test.getWorkItem(third, newId())).status).toBe(401);
  });

  it('answers 403 to command methods when the API client has the Query scope', async () => {
    const test = await harness.start({ scope: 'Query' });
    const token = await test.login();
    const id = newId();

    expect((await test.getWorkItem(token, id)).status).toBe(404);
    expect((await test.listDocuments(token, id)).status).toBe(404);
    const create = await test.createWorkItem(token, id);
    expect(create.status).toBe(403);
    expect(create.json<{ message: string }>().message).toContain('Query');
    expect((await test.begin(token, id, newId())).status).toBe(403);
    expect((await test.save(token, id)).status).toBe(403);
    expect((await test.complete(token, id)).status).toBe(403);
    expect(test.emulator.state.workItems).toEqual([]);
  });

  it('lets the Root scope do everything', async () => {
    const test = await harness.start({ scope: 'Root' });
    const token = await test.login();
    expect((await test.createWorkItem(token, newId())).status).toBe(200);
  });
});
