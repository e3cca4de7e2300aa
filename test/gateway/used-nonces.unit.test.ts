import { UsedNonces } from '../../src/gateway/used-nonces';

/**
 * The local replay cache: a nonce is held while its signal is being sent, spent only when it was
 * accepted, given back when it was not; the cache stays bounded.
 */

test('held while in progress; spent once accepted; a released one can be claimed again', () => {
  const nonces = new UsedNonces();
  expect(nonces.claim('a', 2000, 1000)).toBe('claimed');
  // A concurrent second post of the same link: "try again", not "used".
  expect(nonces.claim('a', 2000, 1000)).toBe('in-progress');
  // The first attempt failed (Temporal away): the link stays usable.
  nonces.release('a');
  expect(nonces.claim('a', 2000, 1000)).toBe('claimed');
  nonces.spend('a');
  expect(nonces.claim('a', 2000, 1000)).toBe('spent');
  // Spending an unknown nonce changes nothing.
  nonces.spend('b');
  expect(nonces.claim('b', 2000, 1000)).toBe('claimed');
});

test('when full, expired entries go first, then the oldest claims', () => {
  const nonces = new UsedNonces(3);
  nonces.claim('expired', 1500, 1000);
  nonces.claim('old', 9000, 1000);
  nonces.spend('old');
  nonces.claim('newer', 9000, 1000);
  // Full: the expired one makes room.
  expect(nonces.claim('fourth', 9000, 2000)).toBe('claimed');
  expect(nonces.claim('old', 9000, 2000)).toBe('spent');
  // Full again, nothing expired: the oldest claim ("old") is forgotten.
  expect(nonces.claim('fifth', 9000, 2000)).toBe('claimed');
  expect(nonces.claim('old', 9000, 2000)).toBe('claimed');
  expect(nonces.claim('fifth', 9000, 2000)).toBe('in-progress');
});
