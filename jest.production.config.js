/**
 * `npm run test:production`: the production Temporal cluster (PostgreSQL, the server as four
 * processes, two workers, two gateways) started from deploy/ as docker-compose.yml starts it, and
 * the faults it must survive. Kept out of `npm test` (jest.config.js ignores test/production/).
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/production'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  // jest's summary, then one plain closing line: `jest: N passed, N failed, N skipped`.
  reporters: ['default', '<rootDir>/test/support/closing-line-reporter.js'],
  // Builds the pinned server, SQL tool and UI server into .tools/ when they are missing.
  globalSetup: '<rootDir>/test/support/production/global-setup.ts',
  // One cluster at a time: each test file starts its own, and the machine has two cores.
  maxWorkers: 1,
  testTimeout: 600_000,
};
