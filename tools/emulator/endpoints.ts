/** The eight HotDocs Advance operations the emulator serves; the names key counts, faults and the request log. */
export const ENDPOINT_NAMES = [
  'login',
  'createWorkItem',
  'getWorkItem',
  'beginSession',
  'saveSession',
  'completeSession',
  'listDocuments',
  'downloadDocument',
] as const;

export type EndpointName = (typeof ENDPOINT_NAMES)[number];

/** "Command methods" in Advance terms: they need the Command or Root scope. */
export const WRITE_ENDPOINTS: ReadonlySet<EndpointName> = new Set<EndpointName>([
  'createWorkItem',
  'beginSession',
  'saveSession',
  'completeSession',
]);

/** Both URL shapes Advance is deployed under; the same handlers sit behind each. */
export const API_BASE_PATHS = ['/api/rest/v1.1', '/HdaApi/rest/v1.1'] as const;
export const AUTH_BASE_PATHS = ['/auth', '/HdaAuth'] as const;
export const CONTROL_BASE_PATH = '/__emulator';
