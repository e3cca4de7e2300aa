/**
 * Where a HotDocs Advance deployment lives. Cloud and on-premise differ only in host and base
 * paths; an explicit pair of URLs serves tests, proxies and the emulator.
 */
export type AdvanceEndpoint =
  | { deployment: 'cloud'; tenancy: string }
  | { deployment: 'onpremise'; tenancy: string; domain: string }
  | { deployment: 'explicit'; baseUrl: string; authUrl: string };

/** The REST API versions the client speaks; chosen per tenancy. */
export const ADVANCE_API_VERSIONS = ['v1.1', 'v2.0'] as const;
export type AdvanceApiVersion = (typeof ADVANCE_API_VERSIONS)[number];

export interface AdvanceUrls {
  /** REST API base (`…/rest/v1.1` or `…/rest/v2.0`), without a trailing slash. */
  apiBase: string;
  /** Auth service base, without a trailing slash. */
  authBase: string;
}

/**
 * The REST and auth bases. On-premise v2.0 lives at `/HdaApi/rest/v2.0` (documented); the cloud
 * v2.0 base `/api/rest/v2.0` is inferred by analogy — no cloud page shows it yet
 * (shared/advance-api-v2.md §1). An explicit base is used as given.
 */
export function advanceUrls(endpoint: AdvanceEndpoint, apiVersion: AdvanceApiVersion = 'v1.1'): AdvanceUrls {
  switch (endpoint.deployment) {
    case 'cloud': {
      const host = `https://${endpoint.tenancy}.hotdocsadvance.com`;
      return { apiBase: `${host}/api/rest/${apiVersion}`, authBase: `${host}/auth` };
    }
    case 'onpremise': {
      const host = `https://${endpoint.tenancy}.${endpoint.domain}`;
      return { apiBase: `${host}/HdaApi/rest/${apiVersion}`, authBase: `${host}/HdaAuth` };
    }
    case 'explicit':
      return { apiBase: stripSlash(endpoint.baseUrl), authBase: stripSlash(endpoint.authUrl) };
  }
}

/** Path segments are GUIDs or fixed words; encoding still guards against a stray `/` or `?`. */
export function apiPath(...segments: string[]): string {
  return segments.map((s) => encodeURIComponent(s)).join('/');
}

/**
 * An API path with its ids named and its query dropped, e.g.
 * `WorkItems/{workItemId}/Versions/{versionId}/Complete`: what logs, metrics and spans may carry.
 */
export function routeTemplate(path: string): string {
  const segments = (path.split('?')[0] ?? '').split('/');
  return segments
    .map((segment, i) => {
      const after = segments[i - 1];
      if (after === 'WorkItems') return '{workItemId}';
      if (after === 'Versions' && segment !== 'Active') return '{versionId}';
      if (after === 'Documents' && segment !== 'Content') return '{documentId}';
      if (after === 'session') return '{coreSessionId}';
      return segment;
    })
    .join('/');
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
