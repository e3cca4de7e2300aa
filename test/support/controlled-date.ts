/**
 * Wall-clock time under the test's control: `Date` alone is faked (jest's modern fake timers),
 * every timer and `performance.now()` stay real, so sockets, servers and clients work as usual
 * while a token's lifetime passes in an instant. Call in a test, with
 * `afterEach(() => jest.useRealTimers())` in its file.
 */

const EVERYTHING_BUT_DATE = [
  'hrtime',
  'nextTick',
  'performance',
  'queueMicrotask',
  'requestAnimationFrame',
  'cancelAnimationFrame',
  'requestIdleCallback',
  'cancelIdleCallback',
  'setImmediate',
  'clearImmediate',
  'setInterval',
  'clearInterval',
  'setTimeout',
  'clearTimeout',
] as const;

export interface ControlledDate {
  /** Moves the wall clock on by `ms` at once. */
  advance(ms: number): void;
}

export function controlDate(): ControlledDate {
  // advanceTimers: the clock still moves with real time in between the jumps.
  jest.useFakeTimers({ doNotFake: [...EVERYTHING_BUT_DATE], advanceTimers: true, now: Date.now() });
  return {
    advance: (ms) => jest.setSystemTime(Date.now() + ms),
  };
}
