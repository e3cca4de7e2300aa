/**
 * The package's entry point: what a business system needs to drive lifecycles. The HotDocs
 * Advance client on its own is `hotdocs-advance-temporal/dist/advance`; the emulator is
 * `hotdocs-advance-temporal/dist/emulator`.
 */
export * from './client';
