import { abortable } from '../../src/abortable';

test('a signal aborted before the call rejects at once with its reason', async () => {
  expect.assertions(1);
  const controller = new AbortController();
  controller.abort(new Error('gone'));
  const never = new Promise<string>(() => undefined);
  await expect(abortable(never, controller.signal)).rejects.toThrow('gone');
});

test('an abort while waiting rejects with its reason', async () => {
  expect.assertions(1);
  const controller = new AbortController();
  const waiting = abortable(new Promise<string>(() => undefined), controller.signal);
  controller.abort(new Error('left'));
  await expect(waiting).rejects.toThrow('left');
});

test('without an abort, the promise settles as it would alone', async () => {
  expect.assertions(2);
  const controller = new AbortController();
  await expect(abortable(Promise.resolve('value'), controller.signal)).resolves.toBe('value');
  await expect(abortable(Promise.reject(new Error('failed')))).rejects.toThrow('failed');
});
