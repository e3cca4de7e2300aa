/**
 * Two kinds of tests (`npm test` runs both, unit first; the lifecycle suites run a second time
 * speaking HotDocs Advance API v2.0, project `integration-v2`):
 * - unit (`*.unit.test.ts`, `npm run test:unit`): no Temporal, no child processes, no browser;
 *   in-process HTTP over loopback at most (the emulator, the Advance client). Seconds.
 * - integration (every other `*.test.ts`, `npm run test:integration`): a real Temporal dev
 *   server started once for the run by the global setup (it installs the pinned binaries into
 *   .tools/ first if none is found; tests reach it through TEMPORAL_TEST_ADDRESS /
 *   TEMPORAL_TEST_NAMESPACE), worker and CLI processes, Chromium.
 *
 * Type-checking happens in `npm run lint` (tsc --noEmit); jest only transpiles. ts-jest takes
 * that from `isolatedModules: true` in tsconfig.json.
 */
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': 'ts-jest' },
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60_000,
  // jest's summary, then one plain closing line: `jest: N passed, N failed, N skipped`.
  reporters: ['default', '<rootDir>/test/support/closing-line-reporter.js'],
  projects: [
    {
      ...common,
      displayName: 'unit',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.unit.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      // The production cluster's tests run on their own: npm run test:production.
      testPathIgnorePatterns: ['\\.unit\\.test\\.ts$', '<rootDir>/test/production/'],
      // Jest transforms these two files with the `transform` above, so they are TypeScript too.
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      // The lifecycle suites again, speaking HotDocs Advance API v2.0 to the emulator
      // (test/support/protocol.ts); on the same dev server, which the first global setup started.
      ...common,
      displayName: 'integration-v2',
      roots: ['<rootDir>/test'],
      testMatch: ['<rootDir>/test/lifecycle/**/*.test.ts'],
      globals: { ADVANCE_PROTOCOL: 'v2.0' },
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
