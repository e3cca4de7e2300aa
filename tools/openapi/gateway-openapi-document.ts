import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { LifecycleClient } from '../../src/client';
import { loadGatewayConfig } from '../../src/config';
import { buildGateway } from '../../src/gateway';
import { sha256Hex } from '../../src/security/hashed-credentials';

/** Where the package publishes the gateway's OpenAPI document (package.json "files"). */
export const OPENAPI_DOCUMENT_PATH = 'openapi/gateway.json';

/**
 * The gateway's OpenAPI document exactly as `openapi/gateway.json` holds it: JSON with two-space
 * indentation and a final newline (the folder is left alone by Prettier). It is what
 * /v1/openapi.json serves without GATEWAY_PUBLIC_URL, taken from a gateway that is built but never
 * listens, with a Temporal connection that is never opened and a throwaway key and secret: the
 * routes and their schemas are all the document depends on.
 */
export async function gatewayOpenApiDocumentText(): Promise<string> {
  const connection = Connection.lazy({ address: '127.0.0.1:7233' });
  const app = await buildGateway({
    lifecycles: new LifecycleClient(new Client({ connection })),
    config: loadGatewayConfig({
      GATEWAY_API_KEYS: `openapi:${sha256Hex(randomBytes(24).toString('hex'))}`,
      GATEWAY_FINISH_LINK_SECRET: randomBytes(32).toString('hex'),
    }),
    log: false,
  });
  try {
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
    await connection.close();
  }
}
