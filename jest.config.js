/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type-checking happens in `npm run lint` (tsc --noEmit); jest only transpiles.
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true }],
  },
  testTimeout: 60_000,
};
