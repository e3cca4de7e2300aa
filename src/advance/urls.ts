/**
 * Where a HotDocs Advance deployment lives. Cloud and on-premise differ only in host and base
 * paths; an explicit pair of URLs serves tests, proxies and the emulator.
 */
export type AdvanceEndpoint =
  | { deployment: 'cloud'; tenancy: string }
  | { deployment: 'onpremise'; tenancy: string; domain: string }
  | { deployment: 'explicit'; baseUrl: string; authUrl: string };

export interface AdvanceUrls {
  /** REST API v1.1 base, without a trailing slash. */
  apiBase: string;
  /** Auth service base, without a trailing slash. */
  authBase: string;
}

export function advanceUrls(endpoint: AdvanceEndpoint): AdvanceUrls {
  switch (endpoint.deployment) {
    case 'cloud': {
      const host = `https://${endpoint.tenancy}.hotdocsadvance.com`;
      return { apiBase: `${host}/api/rest/v1.1`, authBase: `${host}/auth` };
    }
    case 'onpremise': {
      const host = `https://${endpoint.tenancy}.${endpoint.domain}`;
      return { apiBase: `${host}/HdaApi/rest/v1.1`, authBase: `${host}/HdaAuth` };
    }
    case 'explicit':
      return { apiBase: stripSlash(endpoint.baseUrl), authBase: stripSlash(endpoint.authUrl) };
  }
}

/** Path segments are GUIDs or fixed words; encoding still guards against a stray `/` or `?`. */
export function apiPath(...segments: string[]): string {
  return segments.map((s) => encodeURIComponent(s)).join('/');
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
