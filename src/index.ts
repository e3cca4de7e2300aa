/**
 * The package's entry point: what a business system needs to drive lifecycles. The HotDocs
 * Advance client on its own is `hotdocs-advance-temporal/dist/advance`. The HotDocs Advance emulator is
 * a development tool of the repository (`npm run emulator`), not part of the package.
 */
export * from './client';
