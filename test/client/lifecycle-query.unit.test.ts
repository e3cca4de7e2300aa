import {
  checkBulkRepairRequest,
  LifecycleInputError,
  lifecycleQuery,
  operatorQueryProblem,
  type BulkRepairRequest,
} from '../../src/client';

/**
 * The visibility queries lifecycles are listed and repaired by: built from a filter, with an
 * operator's own clauses kept inside their parentheses; bulk repair requests checked field by
 * field before anything reaches Temporal.
 */

test('a filter becomes our workflow type, running, the task queue, then the stage, tenancy and clauses', () => {
  expect(
    lifecycleQuery({
      taskQueue: 'hotdocs-assembly',
      stage: 'needs-attention',
      tenancy: 'acme',
      query: " HotDocsOwner = 'crm' OR HotDocsOwner = 'erp' ",
    }),
  ).toBe(
    "WorkflowType = 'assemblyLifecycle' AND ExecutionStatus = 'Running' AND TaskQueue = 'hotdocs-assembly' AND " +
      "HotDocsStage = 'needs-attention' AND HotDocsTenancy = 'acme' AND (HotDocsOwner = 'crm' OR HotDocsOwner = 'erp')",
  );
  expect(lifecycleQuery({ includeEnded: true })).toBe("WorkflowType = 'assemblyLifecycle'");
});

test('bad filter values are refused by name, all at once', () => {
  expect.assertions(2);
  try {
    lifecycleQuery({ stage: 'sleeping', tenancy: "acme' OR 'x", taskQueue: "q'" });
  } catch (error) {
    expect(error).toBeInstanceOf(LifecycleInputError);
    expect((error as LifecycleInputError).problems).toEqual([
      'taskQueue: must be 1 to 1000 characters without quotes or backslashes',
      expect.stringMatching(/^stage: must be one of starting, .*needs-attention/),
      'tenancy: must be a tenancy name (letters, digits, . : -)',
    ]);
  }
});

test("an operator's clauses cannot step out of their parentheses", () => {
  const cases: [string, string | undefined][] = [
    ["HotDocsTenancy = 'acme'", undefined],
    ["(HotDocsTenancy = 'acme' OR HotDocsTenancy = 'globex') AND HotDocsOwner = 'crm'", undefined],
    ["HotDocsBusinessKey = 'lease-(1)'", undefined], // parentheses inside a string are text
    ['HotDocsBusinessKey = "a)b"', undefined],
    ["HotDocsTenancy = 'x') OR (HotDocsTenancy = 'y'", 'query: a ")" without its "("'],
    ["(HotDocsTenancy = 'x'", 'query: a "(" without its ")"'],
    ["HotDocsTenancy = 'x", 'query: a string is not closed'],
    ["HotDocsBusinessKey = 'a\\') OR (x'", undefined], // an escaped quote stays in the string
    ['   ', 'query: must not be empty'],
    ['x'.repeat(2001), 'query: must be at most 2000 characters'],
  ];
  for (const [query, problem] of cases)
    expect({ query, problem: operatorQueryProblem(query) }).toEqual({ query, problem });
});

test('bulk repair requests: retry or abandon only, bounded note, limit and rate', () => {
  const ok: BulkRepairRequest = { query: 'x', action: 'retry', by: 'ops' };
  expect(() => checkBulkRepairRequest(ok)).not.toThrow();
  expect(() =>
    checkBulkRepairRequest({
      ...ok,
      action: 'accept-completed' as 'retry',
      note: 'n'.repeat(501),
      by: '',
      limit: 0,
      ratePerSecond: 101,
    }),
  ).toThrow(
    new LifecycleInputError(
      [
        'action must be one of retry, abandon (accept-completed is decided one lifecycle at a time)',
        'note must be at most 500 characters',
        'by must be 1 to 100 characters',
        'limit must be a whole number from 1 to 10000',
        'rate must be above 0 and at most 100 repairs a second',
      ],
      'bulk repair',
    ),
  );
});
