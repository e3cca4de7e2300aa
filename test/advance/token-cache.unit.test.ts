import { inspect } from 'node:util';
import { jwtExpiry, TokenCache } from '../../src/advance';

/** A login that resolves when told to, counting calls: the cache's collaborator, not HTTP. */
function controllableLogin(tokens: string[]) {
  let calls = 0;
  const pending: Array<() => void> = [];
  const login = () => {
    const token = tokens[calls] ?? `token-${calls}`;
    calls += 1;
    return new Promise<string>((resolve) => pending.push(() => resolve(token)));
  };
  return { login, calls: () => calls, release: () => pending.splice(0).forEach((r) => r()) };
}

function jwt(expSeconds: number): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'HS256' })}.${part({ exp: expSeconds })}.sig`;
}

describe('TokenCache', () => {
  test('many concurrent callers share one login', async () => {
    const login = controllableLogin(['t1']);
    const cache = new TokenCache({ login: login.login, lifetimeSeconds: 3600, renewalMarginSeconds: 60 });
    const waiting = Array.from({ length: 20 }, () => cache.get());
    login.release();
    const results = await Promise.all(waiting);
    expect(login.calls()).toBe(1);
    expect(new Set(results.map((r) => r.token.token.reveal()))).toEqual(new Set(['t1']));
  });

  test('renews a margin before expiry, capped at a fifth of the life', async () => {
    let now = 1_000_000;
    const login = controllableLogin([]);
    const cache = new TokenCache({
      login: login.login,
      lifetimeSeconds: 10,
      renewalMarginSeconds: 60,
      now: () => now,
    });
    const first = cache.get();
    login.release();
    await first;
    now += 7_000; // 3 s left, margin is min(60 s, 2 s): still fresh
    expect((await cache.get()).loggedIn).toBe(false);
    now += 1_500; // 1.5 s left: inside the margin
    const renewal = cache.get();
    login.release();
    expect((await renewal).loggedIn).toBe(true);
    expect(login.calls()).toBe(2);
  });

  test('uses the JWT exp when the token has one', async () => {
    const now = 1_700_000_000_000;
    const login = controllableLogin([jwt(now / 1000 + 120)]);
    const cache = new TokenCache({
      login: login.login,
      lifetimeSeconds: 3600,
      renewalMarginSeconds: 10,
      now: () => now,
    });
    const pending = cache.get();
    login.release();
    const { token } = await pending;
    expect(token.expirySource).toBe('jwt');
    expect(token.expiresAt).toBe(now + 120_000);
  });

  test('invalidate drops only the rejected token', async () => {
    const login = controllableLogin(['a', 'b']);
    const cache = new TokenCache({ login: login.login, lifetimeSeconds: 3600, renewalMarginSeconds: 0 });
    const p1 = cache.get();
    login.release();
    const a = (await p1).token;
    cache.invalidate(a);
    const p2 = cache.get();
    login.release();
    const b = (await p2).token;
    cache.invalidate(a); // a stale 401 for the old token must not drop the new one
    expect((await cache.get()).token).toBe(b);
    expect(login.calls()).toBe(2);
  });

  test("a caller's abort ends its wait but not the shared login", async () => {
    const login = controllableLogin(['shared']);
    const cache = new TokenCache({ login: login.login, lifetimeSeconds: 3600, renewalMarginSeconds: 0 });
    const controller = new AbortController();
    const aborted = cache.get(controller.signal);
    const patient = cache.get();
    controller.abort(new Error('cancelled by caller'));
    await expect(aborted).rejects.toThrow('cancelled by caller');
    login.release();
    expect((await patient).token.token.reveal()).toBe('shared');
    expect(login.calls()).toBe(1);
  });

  test('a failed login is not cached and the next caller tries again', async () => {
    let calls = 0;
    const cache = new TokenCache({
      login: async () => {
        calls += 1;
        if (calls === 1) throw new Error('down');
        return 'ok';
      },
      lifetimeSeconds: 3600,
      renewalMarginSeconds: 0,
    });
    await expect(cache.get()).rejects.toThrow('down');
    expect((await cache.get()).token.token.reveal()).toBe('ok');
  });

  test('jwtExpiry ignores what is not a JWT', () => {
    expect(jwtExpiry('opaque-token')).toBeUndefined();
    expect(jwtExpiry('a.b.c')).toBeUndefined();
    expect(jwtExpiry(jwt(100))).toBe(100_000);
  });

  test('the token does not leak through JSON or inspection', async () => {
    const login = controllableLogin(['very-secret-token']);
    const cache = new TokenCache({ login: login.login, lifetimeSeconds: 3600, renewalMarginSeconds: 0 });
    const p = cache.get();
    login.release();
    const { token } = await p;
    expect(JSON.stringify(token)).not.toContain('very-secret-token');
    expect(inspect(token)).not.toContain('very-secret-token');
  });
});

test('a call that starts a login says whether it may pass the login breaker; a cached token needs none', async () => {
  const asked: boolean[] = [];
  const cache = new TokenCache({
    login: async ({ pastBreaker }) => {
      asked.push(pastBreaker);
      return `token-${asked.length}`;
    },
    lifetimeSeconds: 3600,
    renewalMarginSeconds: 0,
  });
  await cache.get(undefined, { pastBreaker: true });
  await cache.get(undefined, { pastBreaker: true });
  expect(asked).toEqual([true]);
  const fresh = new TokenCache({
    login: async ({ pastBreaker }) => {
      asked.push(pastBreaker);
      return 'token';
    },
    lifetimeSeconds: 3600,
    renewalMarginSeconds: 0,
  });
  await fresh.get();
  expect(asked).toEqual([true, false]);
});
