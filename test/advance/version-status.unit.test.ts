import {
  parseVersionStatus,
  readCompletionAnswer,
  readVersionState,
  versionPhase,
  type VersionStatus,
} from '../../src/advance';

describe('status values, read tolerantly', () => {
  test.each([
    ['InProgress', 'InProgress'],
    ['in progress', 'InProgress'],
    ['IN_PROGRESS', 'InProgress'],
    ['completing', 'Completing'],
    ['PostAssemblyProcessing', 'PostAssemblyProcessing'],
    ['post-processing', 'PostAssemblyProcessing'],
    ['Post Assembly Processing In Progress', 'PostAssemblyProcessing'],
    ['PostProcessingFailed', 'PostProcessingFailed'],
    ['post_processing_failed', 'PostProcessingFailed'],
    ['Post Assembly Processing Failed', 'PostProcessingFailed'],
    ['COMPLETED', 'Completed'],
    ['complete', 'Completed'],
    ['Saved', 'Saved'],
    ['Failed', 'Failed'],
    ['Archived', 'Unknown'],
    [3, 'Unknown'],
  ] as const)('%j → %s', (raw, status) => {
    expect(parseVersionStatus(raw)).toBe(status);
  });

  test.each([
    ['InProgress', 'in-progress'],
    ['Completing', 'completing'],
    ['PostAssemblyProcessing', 'completing'],
    ['Completed', 'completed'],
    ['PostProcessingFailed', 'post-processing-failed'],
    ['Saved', 'ended'],
    ['Discarded', 'ended'],
    ['Failed', 'ended'],
    ['Unknown', 'unknown'],
  ] as const)('%s is %s', (status: VersionStatus, phase) => {
    expect(versionPhase(status)).toBe(phase);
  });
});

describe('status bodies', () => {
  const versionId = 'c7d5d3c4-1111-4222-8333-944455556666';

  test.each([
    ['a bare string', 'Completed'],
    ['{ status }', { status: 'completed' }],
    ['{ Status }', { Status: 'COMPLETED' }],
    ['{ versionStatus }', { versionStatus: 'Completed' }],
    ['a nested { status: { name } }', { status: { name: 'Completed' } }],
  ])('%s', (_name, body) => {
    expect(readVersionState(body, versionId)).toEqual({ versionId, status: 'Completed' });
  });

  test('an unknown value is kept as the server spelt it; no status at all is undefined', () => {
    expect(readVersionState({ status: 7 }, versionId)).toEqual({ versionId, status: 'Unknown', raw: '7' });
    expect(readVersionState({ versionId }, versionId)).toBeUndefined();
    expect(readVersionState(undefined, versionId)).toBeUndefined();
  });
});

describe('Complete and CreateAndAssemble answers', () => {
  test('a status in the body wins; the poll URL from the body or Location', () => {
    expect(
      readCompletionAnswer({ status: 'Completing', statusUrl: 'a/Versions/b/Status' }, 202, '/x'),
    ).toEqual({
      status: 'Completing',
      statusUrl: 'a/Versions/b/Status',
    });
    expect(readCompletionAnswer({ Status: 'Completed' }, 200, undefined)).toEqual({ status: 'Completed' });
    expect(readCompletionAnswer('Completing', 200, undefined)).toEqual({ status: 'Completing' });
  });

  test('a 202 without a status is Completing; a 200/204 without one says nothing', () => {
    expect(readCompletionAnswer(undefined, 202, 'https://h/x/Status')).toEqual({
      status: 'Completing',
      statusUrl: 'https://h/x/Status',
    });
    expect(readCompletionAnswer(undefined, 200, undefined)).toEqual({});
    expect(readCompletionAnswer(undefined, 204, undefined)).toEqual({});
  });
});
