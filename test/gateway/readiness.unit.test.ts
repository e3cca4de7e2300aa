import { CachedReadiness } from '../../src/gateway/readiness';

/** /readyz's cache: one probe per interval whatever the number of callers, failures included. */

function probeCounting(outcomes: Array<'up' | 'down'>) {
  const calls = { count: 0 };
  const release: Array<() => void> = [];
  const probe = () => {
    const outcome = outcomes[calls.count] ?? 'up';
    calls.count += 1;
    return new Promise<void>((resolve, reject) =>
      release.push(() => (outcome === 'up' ? resolve() : reject(new Error('Temporal down')))),
    );
  };
  return { calls, probe, releaseAll: () => release.splice(0).forEach((r) => r()) };
}

test('callers while a probe is under way share it; within the interval the answer is kept', async () => {
  let now = 0;
  const { calls, probe, releaseAll } = probeCounting(['up', 'down']);
  const readiness = new CachedReadiness(probe, 5000, () => now);
  const waiting = Array.from({ length: 100 }, () => readiness.check());
  releaseAll();
  const answers = await Promise.all(waiting);
  expect(calls.count).toBe(1);
  expect(answers.filter((a) => a.fresh)).toHaveLength(1);
  expect(answers.every((a) => a.ready)).toBe(true);
  now = 4999;
  expect(await readiness.check()).toEqual({ ready: true, fresh: false });
  expect(calls.count).toBe(1);
  now = 5000;
  const next = readiness.check();
  releaseAll();
  expect(await next).toMatchObject({ ready: false, fresh: true, error: new Error('Temporal down') });
  // A failure is kept as long as a success: a flood of probes cannot turn into calls either.
  now = 9999;
  expect(await readiness.check()).toMatchObject({ ready: false, fresh: false });
  expect(calls.count).toBe(2);
});
