/**
 * The HotDocs Advance operations the emulator serves; the names key counts, faults and the request
 * log. The first eight are the v1.1 set (the create, get, begin and document calls are served
 * under the v2.0 bases too); the rest exist only under the v2.0 bases, but for the Core API's
 * `finishInterview`, served at the emulator's origin (the `interviewJsUrl`'s). The answer-set
 * calls (`*AnswerSet`) are v2.0 only too.
 */
export const ENDPOINT_NAMES = [
  'login',
  'createWorkItem',
  'getWorkItem',
  'beginSession',
  'saveSession',
  'completeSession',
  'listDocuments',
  'downloadDocument',
  'completeVersion',
  'saveAndCloseVersion',
  'getVersionStatus',
  'listVersions',
  'createAndAssemble',
  'listVersionDocuments',
  'downloadVersionDocument',
  'finishInterview',
  'getAnswerSet',
  'putAnswerSet',
  'patchAnswerSet',
] as const;

export type EndpointName = (typeof ENDPOINT_NAMES)[number];

/** "Command methods" in Advance terms: they need the Command or Root scope. */
export const WRITE_ENDPOINTS: ReadonlySet<EndpointName> = new Set<EndpointName>([
  'createWorkItem',
  'beginSession',
  'saveSession',
  'completeSession',
  'completeVersion',
  'saveAndCloseVersion',
  'createAndAssemble',
  'putAnswerSet',
  'patchAnswerSet',
]);

/** The REST API versions the emulator speaks, over one state machine. */
export const API_VERSIONS = ['v1.1', 'v2.0'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];

/** Both URL shapes Advance is deployed under (cloud first, then on-premise), per API version. */
export const API_BASE_PATHS_BY_VERSION: Readonly<Record<ApiVersion, readonly [string, string]>> = {
  'v1.1': ['/api/rest/v1.1', '/HdaApi/rest/v1.1'],
  'v2.0': ['/api/rest/v2.0', '/HdaApi/rest/v2.0'],
};
/** The v1.1 bases: the calls only v1.1 has. */
export const API_BASE_PATHS = API_BASE_PATHS_BY_VERSION['v1.1'];
/** Every API base of every version: for the calls both versions share. */
export const ALL_API_BASE_PATHS: readonly string[] = API_VERSIONS.flatMap(
  (version) => API_BASE_PATHS_BY_VERSION[version],
);
export const AUTH_BASE_PATHS = ['/auth', '/HdaAuth'] as const;
export const CONTROL_BASE_PATH = '/__emulator';
/** The Core API's interview calls, at the origin of `interviewJsUrl`. */
export const CORE_SESSION_PATH = '/ipi/session';

/** The API version a request path belongs to; undefined for the auth service. */
export function apiVersionOfPath(path: string): ApiVersion | undefined {
  const match = /\/rest\/(v\d+\.\d+)\//i.exec(path);
  const version = match?.[1]?.toLowerCase();
  return API_VERSIONS.find((candidate) => candidate === version);
}
