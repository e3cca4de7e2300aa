/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The production cluster's tests run on their own: npm run test:production (jest.production.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/production/'],
  transform: {
    // Type-checking happens in `npm run lint` (tsc --noEmit); jest only transpiles. ts-jest takes
    // that from `isolatedModules: true` in tsconfig.json (its own option of that name is deprecated).
    '^.+\\.ts$': 'ts-jest',
  },
  // One Temporal dev server for the whole run (installs the pinned binaries into .tools/ first if
  // none is found); tests reach it through TEMPORAL_TEST_ADDRESS / TEMPORAL_TEST_NAMESPACE.
  // Jest transforms these two files with the `transform` above, so they are TypeScript too.
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 60_000,
};
