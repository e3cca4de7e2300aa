import { indexesStage } from '../../src/workflows/lifecycle-visibility';
import { LIFECYCLE_STAGES, TERMINAL_STAGES, type LifecycleStage } from '../../src/workflows/message-rules';

/**
 * Which stage changes write the lifecycle's search attributes: where it comes to rest (waiting
 * for an interview, idle, needs-attention, ended) and where it resumes work from a rest. Each
 * write is a history event and a visibility write, so a lifecycle's usual walk makes few.
 */

function indexed(walk: readonly LifecycleStage[], startsAt: LifecycleStage = 'starting'): LifecycleStage[] {
  let current: LifecycleStage = startsAt;
  const written: LifecycleStage[] = [];
  for (const next of walk) {
    if (indexesStage(current, next)) {
      written.push(next);
      current = next;
    }
  }
  return written;
}

test('an interview lifecycle: three writes', () => {
  const walk: LifecycleStage[] = [
    'starting',
    'creating-work-item',
    'beginning-session',
    'waiting-for-interview',
    'completing-session',
    'collecting-documents',
    'completed',
  ];
  expect(indexed(walk)).toEqual(['waiting-for-interview', 'completing-session', 'completed']);
});

test('a batch lifecycle kept open for follow-ups: idle and its end, and each resumption', () => {
  const walk: LifecycleStage[] = [
    'creating-work-item',
    'beginning-session',
    'completing-session',
    'collecting-documents',
    'idle',
    'beginning-session',
    'completing-session',
    'collecting-documents',
    'idle',
    'completed',
  ];
  expect(indexed(walk)).toEqual(['idle', 'beginning-session', 'idle', 'completed']);
});

test('needs-attention is a rest: found by search while it waits, and again once repaired', () => {
  expect(
    indexed(['completing-session', 'needs-attention', 'completing-session', 'collecting-documents']),
  ).toEqual(['needs-attention', 'completing-session']);
});

test('every terminal stage is written, from any stage', () => {
  for (const from of LIFECYCLE_STAGES) {
    for (const to of TERMINAL_STAGES)
      expect({ from, to, writes: indexesStage(from, to) }).toEqual({
        from,
        to,
        writes: from !== to,
      });
  }
});
