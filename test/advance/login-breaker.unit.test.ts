import { AdvanceAuthError } from '../../src/advance/errors';
import { LoginBreaker } from '../../src/advance/login-breaker';

/** One login attempt per interval for the same credentials, however many callers retry. */

test('after a refusal the same credentials are refused without a login until the interval passes', () => {
  let now = 0;
  const breaker = new LoginBreaker(60_000, () => now);
  const credentials = ['client', 'principal', 'old-password'];
  expect(() => breaker.check(credentials)).not.toThrow();
  breaker.refusedWith(credentials, 'login was refused (HTTP 401)');
  now = 59_999;
  expect(() => breaker.check(credentials)).toThrow(AdvanceAuthError);
  expect(() => breaker.check(credentials)).toThrow(
    /login was refused \(HTTP 401\) \(not tried again for 1 s/,
  );
  // A rotated password is tried at once.
  expect(() => breaker.check(['client', 'principal', 'new-password'])).not.toThrow();
  now = 60_000;
  expect(() => breaker.check(credentials)).not.toThrow();
  breaker.refusedWith(credentials, 'refused');
  breaker.accepted();
  expect(() => breaker.check(credentials)).not.toThrow();
});
