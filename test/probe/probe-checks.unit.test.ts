import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EMULATOR_SWITCHES, PROBE_CHECKS, UNPROBED_SWITCHES } from '../../src/probe';
import { behaviourPatchSchema, behaviourSchema, DEFAULT_BEHAVIOUR } from '../../tools/emulator/behaviour';

/**
 * The probe's table against the emulator's switches: every switch is asked about by a check or
 * said to be out of the probe's reach, every value a check can name is one the emulator takes, and
 * a check of a switch with a fixed set of values names every one of them.
 */

type Shape = { _zod: { def: { type: string } } };

function emulatorValues(name: string): unknown[] | 'measured' {
  const schema = (
    behaviourSchema.shape as unknown as Record<string, Shape & { options?: unknown[]; values?: Set<unknown> }>
  )[name]!;
  switch (schema._zod.def.type) {
    case 'enum':
      return [...schema.options!];
    case 'literal':
      return [...schema.values!];
    case 'boolean':
      return [true, false];
    default:
      return 'measured';
  }
}

const mirrored = PROBE_CHECKS.flatMap((check) => (check.mirrors === undefined ? [] : [check.mirrors]));

test("the probe knows the emulator's switches, no more and no fewer", () => {
  expect([...EMULATOR_SWITCHES].sort()).toEqual(Object.keys(DEFAULT_BEHAVIOUR).sort());
});

test('every switch is named by a check, or said to be out of reach with the reason', () => {
  const named = new Set(mirrored.map((mirror) => mirror.switch));
  const unprobed = Object.keys(UNPROBED_SWITCHES);
  expect(EMULATOR_SWITCHES.filter((name) => !named.has(name) && !unprobed.includes(name))).toEqual([]);
  expect(unprobed.filter((name) => named.has(name as (typeof EMULATOR_SWITCHES)[number]))).toEqual([]);
  expect(unprobed.length).toBeGreaterThan(0);
});

test('every value a check can name is one the emulator takes', () => {
  for (const mirror of mirrored) {
    for (const value of mirror.values) {
      expect(behaviourPatchSchema.safeParse({ [mirror.switch]: value }).success).toBe(true);
    }
    expect(behaviourPatchSchema.safeParse(mirror.showsWith ?? {}).success).toBe(true);
  }
});

test('a switch with a fixed set of values is named in every one of them', () => {
  const covered = new Map<string, Set<unknown>>();
  for (const mirror of mirrored) {
    const set = covered.get(mirror.switch) ?? new Set();
    for (const value of mirror.values) set.add(value);
    covered.set(mirror.switch, set);
  }
  for (const [name, values] of covered) {
    const expected = emulatorValues(name);
    // A measured switch is tested at no time and at some: [0, n].
    if (expected === 'measured') expect([name, values.has(0) && values.size >= 2]).toEqual([name, true]);
    else expect([name, [...values].sort()]).toEqual([name, [...expected].sort()]);
  }
});

test('check ids are unique', () => {
  const ids = PROBE_CHECKS.map((check) => check.id);
  expect(new Set(ids).size).toBe(ids.length);
});

test('docs/advance-probe.md lists every check, in order, with the switch it names', () => {
  const doc = readFileSync(path.join(__dirname, '..', '..', 'docs', 'advance-probe.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `([a-z-]+)` +\| [a-z-]+ +\| [^|]+\| [^|]+\| (`(\w+)`|—) +\|$/gm)].map(
    (m) => [m[1], m[3] ?? null],
  );
  expect(rows).toEqual(PROBE_CHECKS.map((check) => [check.id, check.mirrors?.switch ?? null]));
  for (const name of Object.keys(UNPROBED_SWITCHES)) expect(doc).toContain(`Not asked: \`${name}\``);
});
