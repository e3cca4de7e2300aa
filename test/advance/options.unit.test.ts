import { AdvanceConfigError, advanceUrls, resolveAdvanceClientOptions } from '../../src/advance';

const credentials = { clientName: 'orchestrator', principalName: 'svc', principalPassword: 'pa55-word!' };

function problemsOf(input: unknown): readonly string[] {
  try {
    resolveAdvanceClientOptions(input);
  } catch (error) {
    expect(error).toBeInstanceOf(AdvanceConfigError);
    return (error as AdvanceConfigError).problems;
  }
  throw new Error('expected a configuration error');
}

describe('Advance URLs', () => {
  test('cloud', () => {
    expect(advanceUrls({ deployment: 'cloud', tenancy: 'acme' })).toEqual({
      apiBase: 'https://acme.hotdocsadvance.com/api/rest/v1.1',
      authBase: 'https://acme.hotdocsadvance.com/auth',
    });
  });

  test('on-premise', () => {
    expect(advanceUrls({ deployment: 'onpremise', tenancy: 'legal', domain: 'example.com' })).toEqual({
      apiBase: 'https://legal.example.com/HdaApi/rest/v1.1',
      authBase: 'https://legal.example.com/HdaAuth',
    });
  });

  test('explicit base URLs lose trailing slashes', () => {
    expect(
      advanceUrls({
        deployment: 'explicit',
        baseUrl: 'http://localhost:8400/api/rest/v1.1/',
        authUrl: 'http://localhost:8400/auth/',
      }),
    ).toEqual({ apiBase: 'http://localhost:8400/api/rest/v1.1', authBase: 'http://localhost:8400/auth' });
  });
});

describe('client options', () => {
  test('defaults and the tenancy label', () => {
    const resolved = resolveAdvanceClientOptions({ deployment: 'cloud', tenancy: 'acme', ...credentials });
    expect(resolved.tenancy).toBe('acme');
    expect(resolved.tokenLifetimeSeconds).toBe(3600);
    expect(resolved.urls.apiBase).toBe('https://acme.hotdocsadvance.com/api/rest/v1.1');
    const explicit = resolveAdvanceClientOptions({
      baseUrl: 'http://127.0.0.1:9/api/rest/v1.1',
      authUrl: 'http://127.0.0.1:9/auth',
      ...credentials,
    });
    expect(explicit.tenancy).toBe('127.0.0.1:9');
  });

  test('every problem is listed at once', () => {
    expect(problemsOf({})).toEqual([
      'clientName is required',
      'principalName is required',
      'principalPassword is required',
      'deployment ("cloud" or "onpremise") is required unless baseUrl and authUrl are given',
    ]);
    expect(
      problemsOf({
        deployment: 'onpremise',
        tenancy: 'acme corp',
        ...credentials,
        tokenLifetimeSeconds: 0,
        colour: 'red',
      }),
    ).toEqual([
      'tenancy must be a tenancy moniker (letters, digits, -)',
      'tokenLifetimeSeconds must be greater than 0',
      'unknown option(s): colour',
      'domain is required for an onpremise deployment',
    ]);
    expect(problemsOf({ baseUrl: 'ftp://x', ...credentials })).toEqual([
      'baseUrl must be an http(s) URL',
      'authUrl is required with baseUrl',
    ]);
    expect(problemsOf({ deployment: 'mainframe', tenancy: 'a', ...credentials })).toEqual([
      'deployment must be "cloud" or "onpremise"',
    ]);
  });

  test('the password never appears in a problem or in the resolved options', () => {
    const error = (() => {
      try {
        resolveAdvanceClientOptions({ deployment: 'cloud', ...credentials, clientName: 7 });
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected an error');
    })();
    expect(error.message).not.toContain(credentials.principalPassword);
    const resolved = resolveAdvanceClientOptions({ deployment: 'cloud', tenancy: 'acme', ...credentials });
    expect(JSON.stringify(resolved)).not.toContain(credentials.principalPassword);
    expect(`${resolved.credentials.principalPassword}`).toBe('[redacted]');
    expect(resolved.credentials.principalPassword.reveal()).toBe(credentials.principalPassword);
  });
});

describe('API version', () => {
  test.each([
    [{ deployment: 'cloud', tenancy: 'acme' }, 'https://acme.hotdocsadvance.com/api/rest/v2.0'],
    [
      { deployment: 'onpremise', tenancy: 'legal', domain: 'example.com' },
      'https://legal.example.com/HdaApi/rest/v2.0',
    ],
  ] as const)('v2.0 bases for %j', (location, apiBase) => {
    const resolved = resolveAdvanceClientOptions({ ...location, ...credentials, apiVersion: 'v2.0' });
    expect(resolved.urls.apiBase).toBe(apiBase);
    expect(resolved.apiVersion).toBe('v2.0');
  });

  test('an explicit base naming the other version, and unknown values, are refused', () => {
    expect(
      problemsOf({
        baseUrl: 'http://127.0.0.1:9/api/rest/v2.0/',
        authUrl: 'http://127.0.0.1:9/auth',
        ...credentials,
        createAndAssemble: 'sometimes',
      }),
    ).toEqual([
      'createAndAssemble must be "auto", "on" or "off"',
      'baseUrl ends in /v2.0 but apiVersion is v1.1',
    ]);
    expect(problemsOf({ deployment: 'cloud', tenancy: 'acme', ...credentials, apiVersion: 'v3' })).toEqual([
      'apiVersion must be "v1.1" or "v2.0"',
    ]);
    // A base without a version segment (a proxy) is taken as given.
    expect(
      resolveAdvanceClientOptions({
        baseUrl: 'http://proxy.internal/advance',
        authUrl: 'http://proxy.internal/auth',
        ...credentials,
        apiVersion: 'v2.0',
      }).urls.apiBase,
    ).toBe('http://proxy.internal/advance');
  });
});
