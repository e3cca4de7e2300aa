import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_BEHAVIOUR, EmulatorOptionsError, startEmulator } from '../../tools/emulator';
import { emulatorHarness, http } from '../support/emulator-harness';

/** `behaviourFile` (`npm run emulator -- --behaviour <file>`): an emulator that starts as a file says. */

const harness = emulatorHarness();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'behaviour-file-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: unknown): Promise<string> {
  const where = path.join(dir, name);
  await writeFile(where, typeof content === 'string' ? content : JSON.stringify(content));
  return where;
}

test("the file's switches, over the defaults; `behaviour` beside it wins; reset comes back to both", async () => {
  const behaviourFile = await file('acme.json', {
    about: 'tenancy acme, probed',
    behaviour: { createSuccessStatus: 201, statusCase: 'lower', completingMs: 2000 },
  });
  const { emulator } = await harness.start({ behaviourFile, behaviour: { statusCase: 'upper' } });
  const expected = {
    ...DEFAULT_BEHAVIOUR,
    createSuccessStatus: 201,
    statusCase: 'upper',
    completingMs: 2000,
  };
  expect(emulator.behaviour()).toEqual(expected);
  expect((await http('GET', `${emulator.controlUrl}/behaviour`)).json()).toEqual(expected);

  emulator.setBehaviour({ createSuccessStatus: 204, completingMs: 0 });
  emulator.reset();
  expect(emulator.behaviour()).toEqual(expected);
});

test('a file that cannot be used is refused at start, naming the file and each problem', async () => {
  const cases: Array<[string, RegExp]> = [
    [
      path.join(dir, 'missing.json'),
      /behaviourFile: behaviour file .*missing\.json cannot be read \(ENOENT\)/,
    ],
    [await file('broken.json', '{ "behaviour": '), /broken\.json is not valid JSON/],
    [
      await file('wrong.json', { behaviour: { createSuccessStatus: 202, noSuchSwitch: true } }),
      /wrong\.json is invalid:\n[\s\S]*behaviour\.createSuccessStatus[\s\S]*noSuchSwitch/,
    ],
    [await file('bare.json', { createSuccessStatus: 201 }), /bare\.json is invalid:\n[\s\S]*behaviour/],
  ];
  expect.assertions(cases.length * 2);
  for (const [behaviourFile, message] of cases) {
    const started = startEmulator({ behaviourFile });
    await expect(started).rejects.toBeInstanceOf(EmulatorOptionsError);
    await expect(started).rejects.toThrow(message);
  }
});
