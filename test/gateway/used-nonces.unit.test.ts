import { UsedNonces } from '../../src/gateway/used-nonces';

/** The local replay cache: a nonce is taken once; the cache stays bounded. */

test('a nonce is claimed once; a released one can be claimed again', () => {
  const nonces = new UsedNonces();
  expect(nonces.claim('a', 2000, 1000)).toBe(true);
  expect(nonces.claim('a', 2000, 1000)).toBe(false);
  nonces.release('a');
  expect(nonces.claim('a', 2000, 1000)).toBe(true);
});

test('when full, expired entries go first, then the oldest claims', () => {
  const nonces = new UsedNonces(3);
  nonces.claim('expired', 1500, 1000);
  nonces.claim('old', 9000, 1000);
  nonces.claim('newer', 9000, 1000);
  // Full: the expired one makes room.
  expect(nonces.claim('fourth', 9000, 2000)).toBe(true);
  expect(nonces.claim('old', 9000, 2000)).toBe(false);
  // Full again, nothing expired: the oldest claim ("old") is forgotten.
  expect(nonces.claim('fifth', 9000, 2000)).toBe(true);
  expect(nonces.claim('old', 9000, 2000)).toBe(true);
  expect(nonces.claim('fifth', 9000, 2000)).toBe(false);
});
