import { Agent, request } from 'undici';

export interface NaiveAdvanceTarget {
  baseUrl: string;
  authUrl: string;
  clientName: string;
  principalName: string;
  principalPassword: string;
}

/**
 * `GET WorkItems/{id}` the way a fragile request handler does it: a brand-new HTTP agent (so a
 * new TCP connection) and a fresh `ServicePrincipalLogIn` for every call, torn down afterwards.
 * The login and the read share the call's one connection, as they would with any pooled agent.
 * This is the baseline the `AdvanceClient` is measured against; it is not meant to be used.
 */
export async function naiveGetWorkItem(target: NaiveAdvanceTarget, workItemId: string): Promise<unknown> {
  const dispatcher = new Agent({ connections: 1 });
  try {
    const login = await request(`${target.authUrl}/Authorize/ServicePrincipalLogIn`, {
      dispatcher,
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/plain' },
      body: JSON.stringify({
        ClientName: target.clientName,
        PrincipalName: target.principalName,
        PrincipalPassword: target.principalPassword,
      }),
    });
    const token = (await login.body.text()).trim();
    if (login.statusCode !== 200) throw new Error(`login answered HTTP ${login.statusCode}`);

    const response = await request(`${target.baseUrl}/WorkItems/${encodeURIComponent(workItemId)}`, {
      dispatcher,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    const body: unknown = await response.body.json();
    if (response.statusCode !== 200) throw new Error(`GET WorkItems answered HTTP ${response.statusCode}`);
    return body;
  } finally {
    await dispatcher.close();
  }
}
