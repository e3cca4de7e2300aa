/**
 * Environment variables through which the jest global setup tells test workers where the shared
 * Temporal dev server is. Set TEMPORAL_TEST_ADDRESS yourself to run the suite against a server
 * you started (it then needs the lifecycle search attributes registered).
 */
export const TEST_ADDRESS_ENV = 'TEMPORAL_TEST_ADDRESS';
export const TEST_NAMESPACE_ENV = 'TEMPORAL_TEST_NAMESPACE';
