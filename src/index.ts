/**
 * The package's entry point: what a business system needs to drive lifecycles, and to receive
 * the events of the completion webhook (docs/webhooks.md). The HotDocs Advance client on its own
 * is `hotdocs-advance-temporal/dist/advance`. The HotDocs Advance emulator is a development tool of
 * the repository (`npm run emulator`), not part of the package.
 */
export * from './client';
export * from './notifications/lifecycle-events';
export * from './notifications/webhook-signature';
export * from './notifications/webhook-receiver';
