import { errorFromResponse, parseRetryAfter } from '../../src/advance/classify';
import { fileNameFrom } from '../../src/advance/response-body';
import {
  AdvanceAuthError,
  AdvanceConflictError,
  AdvanceForbiddenError,
  AdvanceNotFoundError,
  AdvanceThrottledError,
  AdvanceTransientError,
  AdvanceValidationError,
  type AdvanceOperation,
} from '../../src/advance';

const id = '2d7e4c1e-8a7b-4a8e-9c39-0e3f5f7a1b2c';
const json = (message: string) => JSON.stringify({ message });

describe('responses are classified once', () => {
  const cases: Array<[AdvanceOperation, number, string, unknown, string?]> = [
    ['getWorkItem', 401, '', AdvanceAuthError],
    ['createWorkItem', 403, '', AdvanceForbiddenError],
    ['getWorkItem', 404, json('not found'), AdvanceNotFoundError],
    ['createWorkItem', 409, json('Work item exists'), AdvanceConflictError, 'already-exists'],
    [
      'createWorkItem',
      400,
      json('A work item with this id already exists'),
      AdvanceConflictError,
      'already-exists',
    ],
    ['createWorkItem', 400, json('name is required'), AdvanceValidationError],
    ['beginSession', 409, json('whatever'), AdvanceConflictError, 'session-in-progress'],
    ['beginSession', 423, '', AdvanceConflictError, 'session-in-progress'],
    [
      'beginSession',
      400,
      json('An assembly session is already in progress for this work item'),
      AdvanceConflictError,
      'session-in-progress',
    ],
    ['beginSession', 409, json('The version already exists'), AdvanceConflictError, 'version-exists'],
    ['beginSession', 400, json('answerXml is invalid'), AdvanceValidationError],
    ['completeSession', 409, '', AdvanceConflictError, 'no-active-session'],
    [
      'completeSession',
      404,
      json('No assembly session is in progress for this work item'),
      AdvanceConflictError,
      'no-active-session',
    ],
    ['saveSession', 400, json('There is no active session'), AdvanceConflictError, 'no-active-session'],
    ['completeSession', 404, json('Work item not found'), AdvanceNotFoundError],
    ['listDocuments', 500, '', AdvanceTransientError],
    ['listDocuments', 502, '<html>bad gateway</html>', AdvanceTransientError],
    ['listDocuments', 503, '', AdvanceTransientError],
    ['listDocuments', 408, '', AdvanceTransientError],
    ['listDocuments', 429, '', AdvanceThrottledError],
    ['createWorkItem', 422, '', AdvanceValidationError],
  ];
  test.each(cases)('%s HTTP %d %s', (...[operation, status, body, type, reason]) => {
    const error = errorFromResponse({ operation, workItemId: id }, status, {}, body);
    expect(error).toBeInstanceOf(type as new (...args: never[]) => Error);
    expect(error.status).toBe(status);
    expect(error.operation).toBe(operation);
    expect(error.workItemId).toBe(id);
    expect(error.message).toContain(operation);
    expect(error.message).toContain(id);
    if (reason !== undefined) expect((error as AdvanceConflictError).reason).toBe(reason);
    expect(error.retryable).toBe(
      error instanceof AdvanceTransientError || error instanceof AdvanceThrottledError,
    );
  });

  test('429 carries the server delay', () => {
    const error = errorFromResponse({ operation: 'beginSession' }, 429, { 'retry-after': '7' }, '');
    expect((error as AdvanceThrottledError).retryAfterMs).toBe(7000);
    expect(error.message).toMatch(/retry after 7 s/);
  });
});

describe('Retry-After', () => {
  test('seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('0.5')).toBe(500);
    const now = Date.parse('2026-11-27T10:00:00Z');
    expect(parseRetryAfter('Fri, 27 Nov 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('Content-Disposition file names', () => {
  test.each([
    ['attachment; filename="Lease.pdf"', 'Lease.pdf'],
    ['attachment; filename=Lease.pdf', 'Lease.pdf'],
    [
      'attachment; filename="x.pdf"; filename*=UTF-8\'\'Mietvertrag%20M%C3%BCller.pdf',
      'Mietvertrag Müller.pdf',
    ],
    ['inline', undefined],
    [undefined, undefined],
  ])('%s', (header, name) => {
    expect(fileNameFrom(header)).toBe(name);
  });
});
