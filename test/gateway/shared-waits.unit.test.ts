import { SharedWaits, WaitRefused } from '../../src/gateway/shared-waits';

/**
 * Concurrent waits for one key share one piece of work; waiters are capped per owner and in all;
 * a waiter leaves on its own signal, and the work is aborted only when its last waiter has left.
 */

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

test('waiters for one key share one start; another key starts its own', async () => {
  const waits = new SharedWaits<string>({ perOwner: 10, total: 10 });
  const gate = deferred<string>();
  const started: string[] = [];
  const work = (key: string) => () => {
    started.push(key);
    return gate.promise;
  };
  const never = new AbortController().signal;
  const a = [1, 2, 3].map(() => waits.join('a', 'k', work('a'), never));
  const b = waits.join('b', 'k', work('b'), never);
  expect(started).toEqual(['a', 'b']);
  expect(waits.counts).toEqual({ waiting: 4, inFlight: 2 });
  gate.resolve('begun');
  await expect(Promise.all([...a, b])).resolves.toEqual(['begun', 'begun', 'begun', 'begun']);
  expect(waits.counts).toEqual({ waiting: 0, inFlight: 0 });
});

test('a settled answer is not handed to a later waiter: it starts afresh', async () => {
  const waits = new SharedWaits<number>({ perOwner: 10, total: 10 });
  let calls = 0;
  const never = new AbortController().signal;
  await expect(waits.join('a', 'k', async () => ++calls, never)).resolves.toBe(1);
  await expect(waits.join('a', 'k', async () => ++calls, never)).resolves.toBe(2);
});

test('beyond the per-owner cap: refused for that owner only; beyond the total: refused for all', async () => {
  const waits = new SharedWaits<string>({ perOwner: 2, total: 3 });
  const gate = deferred<string>();
  const never = new AbortController().signal;
  const held = [
    waits.join('a', 'k1', () => gate.promise, never),
    waits.join('a', 'k1', () => gate.promise, never),
  ];
  const third = waits.join('a', 'k1', () => gate.promise, never);
  await expect(third).rejects.toEqual(expect.objectContaining({ scope: 'owner', limit: 2 }));
  held.push(waits.join('a', 'k2', () => gate.promise, never));
  const fourth = waits.join('a', 'k3', () => gate.promise, never);
  await expect(fourth).rejects.toBeInstanceOf(WaitRefused);
  await expect(fourth).rejects.toEqual(expect.objectContaining({ scope: 'total', limit: 3 }));
  gate.resolve('ok');
  await Promise.all(held);
  // The slots are given back.
  await expect(waits.join('a', 'k3', async () => 'again', never)).resolves.toBe('again');
});

test('a waiter leaves on its own signal; the work is aborted only when the last one has left', async () => {
  const waits = new SharedWaits<string>({ perOwner: 10, total: 10 });
  let workSignal: AbortSignal | undefined;
  const gate = deferred<string>();
  const first = new AbortController();
  const second = new AbortController();
  const one = waits.join('a', 'k', (signal) => ((workSignal = signal), gate.promise), first.signal);
  const two = waits.join('a', 'k', () => gate.promise, second.signal);
  first.abort(new Error('caller gone'));
  await expect(one).rejects.toThrow('caller gone');
  expect(workSignal?.aborted).toBe(false);
  second.abort(new Error('limit'));
  await expect(two).rejects.toThrow('limit');
  expect(workSignal?.aborted).toBe(true);
  expect(waits.counts).toEqual({ waiting: 0, inFlight: 0 });
});

test('a failure of the shared work reaches every waiter', async () => {
  const waits = new SharedWaits<string>({ perOwner: 10, total: 10 });
  const never = new AbortController().signal;
  const gate = deferred<void>();
  const work = async () => {
    await gate.promise;
    throw new Error('refused');
  };
  const both = [waits.join('a', 'k', work, never), waits.join('a', 'k', work, never)];
  gate.resolve();
  await expect(Promise.all(both.map((p) => p.catch((e: Error) => e.message)))).resolves.toEqual([
    'refused',
    'refused',
  ]);
});
