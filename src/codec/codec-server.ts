import cors from '@fastify/cors';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import type { Payload, PayloadCodec, WorkflowSerializationContext } from '@temporalio/common';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { bearerToken, HashedCredentialVerifier, sha256Hex } from '../security/hashed-credentials';
import { CODEC_SESSION_COOKIE, CodecSessions, readCookie, sessionCookieHeader } from './codec-session';

/**
 * The remote codec endpoint Temporal UI and the `temporal` CLI call to show encrypted payloads to
 * operators (`POST /codec/decode`, `POST /codec/encode`, JSON `{ payloads: [...] }` in Temporal's
 * proto-JSON form: metadata values and data in base64). Only authenticated callers may use it:
 * it turns ciphertext into personal data. Decoding reads any authentic payload, whichever
 * lifecycle it is bound to; encoding binds to the lifecycle the request names, and to none
 * without one is refused. The CLI sends a bearer token; Temporal UI, which cannot
 * send one without OIDC, sends the sign-in cookie of `/codec/login` (codec-session.ts).
 */

export interface CodecEndpointOptions {
  codec: PayloadCodec;
  /** SHA-256 hex digests of the bearer tokens that may call the endpoint. */
  tokenHashes: readonly string[];
  /** Allow calls without a token (only sensible on a loopback-bound dev setup). */
  allowUnauthenticated?: boolean;
  /** Browser origins that may call it (Temporal UI's origin), for CORS. */
  corsOrigins: readonly string[];
  /**
   * Signs sign-in cookies (`codecSessionKey(keys)`): enables `/codec/login`, where an operator
   * trades the codec token for a cookie that Temporal UI then sends with
   * `TEMPORAL_CODEC_INCLUDE_CREDENTIALS=true`. @default none: bearer tokens only
   */
  sessionKey?: Buffer;
}

const payloadJson = z.object({
  metadata: z.record(z.string(), z.string()).optional(),
  data: z.string().optional(),
});
const bodySchema = z.object({ payloads: z.array(payloadJson) });
/** A payload in Temporal's proto-JSON form, as the codec endpoint reads and writes it. */
export type PayloadJson = z.infer<typeof payloadJson>;

export function payloadFromJson(payload: PayloadJson): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
    ),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

export function payloadToJson(payload: Payload): PayloadJson {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [
        key,
        Buffer.from(value).toString('base64'),
      ]),
    ),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}

export { sha256Hex };

/** The headers `/codec/encode` needs: which lifecycle the ciphertext is for. */
export const NAMESPACE_HEADER = 'x-namespace';
export const WORKFLOW_ID_HEADER = 'x-workflow-id';

const ENCODE_NEEDS_LIFECYCLE =
  `name the lifecycle the payloads are for (headers ${WORKFLOW_ID_HEADER} and ${NAMESPACE_HEADER}): ` +
  'encrypted payloads are bound to one lifecycle, and this endpoint mints none that any lifecycle would accept';

/**
 * Encoding binds the ciphertext to one lifecycle, named by the caller: `X-Namespace` (which
 * Temporal UI and the `temporal` CLI send) and `X-Workflow-Id` (which they do not, so their
 * "send signal" and "start workflow" through this endpoint are refused; docs/deploy.md).
 */
function encodeContext(request: FastifyRequest): WorkflowSerializationContext | undefined {
  const header = (name: string): string | undefined => {
    const value = request.headers[name];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const namespace = header(NAMESPACE_HEADER);
  const workflowId = header(WORKFLOW_ID_HEADER);
  if (namespace === undefined || workflowId === undefined) return undefined;
  return { type: 'workflow', namespace, workflowId };
}

/** Adds the codec routes to an app (the gateway mounts them too). */
export async function registerCodecRoutes(
  app: FastifyInstance,
  options: CodecEndpointOptions,
): Promise<void> {
  const tokens = new HashedCredentialVerifier(
    options.tokenHashes.map((hash) => ({ name: 'codec', sha256Hex: hash })),
  );
  const sessions = options.sessionKey === undefined ? undefined : new CodecSessions(options.sessionKey);
  await app.register(async (scope) => {
    await scope.register(cors, {
      origin: [...options.corsOrigins],
      methods: ['POST', 'OPTIONS'],
      allowedHeaders: ['content-type', 'authorization', NAMESPACE_HEADER, WORKFLOW_ID_HEADER],
      credentials: true,
    });
    scope.addHook('onRequest', async (request, reply) => {
      if (request.method === 'OPTIONS') return;
      if (options.allowUnauthenticated === true) return;
      if (request.routeOptions.config.signIn === true) return;
      if (tokens.identify(bearerToken(request.headers.authorization)) !== undefined) return;
      const cookie = readCookie(request.headers.cookie, CODEC_SESSION_COOKIE);
      if (sessions?.valid(cookie, options.tokenHashes) === true) return;
      await reply.code(401).send({
        error: {
          code: 'unauthorized',
          message:
            sessions === undefined
              ? 'a valid bearer token is required'
              : 'a valid bearer token or sign-in (/codec/login) is required',
        },
      });
    });
    if (sessions !== undefined) await registerSignIn(scope, sessions, tokens, options.corsOrigins);
    for (const direction of ['encode', 'decode'] as const) {
      scope.post(`/codec/${direction}`, async (request, reply) => {
        const parsed = bodySchema.safeParse(request.body);
        if (!parsed.success) {
          return reply.code(400).send({
            error: { code: 'validation-failed', message: 'expected { payloads: [{ metadata, data }] }' },
          });
        }
        let context: WorkflowSerializationContext | undefined;
        if (direction === 'encode') {
          context = encodeContext(request);
          if (context === undefined) {
            return reply
              .code(400)
              .send({ error: { code: 'lifecycle-required', message: ENCODE_NEEDS_LIFECYCLE } });
          }
        }
        const payloads = parsed.data.payloads.map(payloadFromJson);
        try {
          const result = await options.codec[direction](payloads, context);
          return { payloads: result.map(payloadToJson) };
        } catch (error) {
          return reply.code(400).send({ error: { code: 'codec-failed', message: (error as Error).message } });
        }
      });
    }
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The sign-in pages: reachable without being signed in. */
    signIn?: boolean;
  }
}

/**
 * Sign-in attempts per minute and client address: enough for operators behind one proxy, too few
 * to guess a token. The address is the connection's (the endpoint trusts no `X-Forwarded-For`).
 */
export const CODEC_LOGIN_ATTEMPTS_PER_MINUTE = 10;

/**
 * `GET /codec/login` (a form), `POST /codec/login` (the codec token, as a form field or JSON
 * `{ token }`, at most CODEC_LOGIN_ATTEMPTS_PER_MINUTE a minute per address) and
 * `POST /codec/logout`. A good token gets the session cookie.
 */
async function registerSignIn(
  scope: FastifyInstance,
  sessions: CodecSessions,
  tokens: HashedCredentialVerifier,
  uiOrigins: readonly string[],
): Promise<void> {
  await scope.register(formbody);
  await scope.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      error: {
        code: 'rate-limited',
        message: `Too many sign-in attempts from this address: at most ${context.max} a minute; retry in ${Math.max(1, Math.ceil(context.ttl / 1000))} s`,
      },
    }),
  });
  const signIn = { signIn: true };
  scope.get('/codec/login', { config: signIn }, async (_request, reply) =>
    page(reply, 200, 'Sign in to decode payloads', loginForm()),
  );
  const attempts = { rateLimit: { max: CODEC_LOGIN_ATTEMPTS_PER_MINUTE, timeWindow: 60_000 } };
  scope.post('/codec/login', { config: { ...signIn, ...attempts } }, async (request, reply) => {
    const token = (request.body as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || tokens.identify(token) === undefined) {
      return page(
        reply,
        401,
        'Sign in to decode payloads',
        `<p>That is not a codec token.</p>${loginForm()}`,
      );
    }
    const { value, expiresAt } = sessions.issue(sha256Hex(token));
    void reply.header('set-cookie', sessionCookieHeader(value, expiresAt, overHttps(request)));
    const links = uiOrigins.map((o) => `<li><a href="${escapeHtml(o)}">${escapeHtml(o)}</a></li>`).join('');
    return page(
      reply,
      200,
      'Signed in',
      `<p>Temporal UI can decode payloads in this browser until ${expiresAt.toISOString()}.</p><ul>${links}</ul>`,
    );
  });
  scope.post('/codec/logout', { config: signIn }, async (request, reply) => {
    void reply.header('set-cookie', sessionCookieHeader('', new Date(0), overHttps(request)));
    return page(
      reply,
      200,
      'Signed out',
      '<p>Temporal UI can no longer decode payloads in this browser.</p>',
    );
  });
}

function loginForm(): string {
  return (
    '<form method="post" action="/codec/login"><label>Codec token ' +
    '<input type="password" name="token" autocomplete="current-password" required></label> ' +
    '<button type="submit">Sign in</button></form>'
  );
}

async function page(reply: FastifyReply, status: number, title: string, body: string): Promise<FastifyReply> {
  return reply
    .code(status)
    .header('content-security-policy', "default-src 'none'; form-action 'self'; frame-ancestors 'none'")
    .header('x-frame-options', 'DENY')
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><html lang="en"><meta charset="utf-8"><title>${title}</title><h1>${title}</h1>${body}</html>`,
    );
}

/** Served over TLS, directly or behind a proxy that says so: the cookie then needs `Secure`. */
function overHttps(request: FastifyRequest): boolean {
  return request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export async function buildCodecServer(options: CodecEndpointOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: 'info', redact: ['req.headers.authorization'] },
    bodyLimit: 8 * 1024 * 1024,
  });
  await registerCodecRoutes(app, options);
  app.get('/healthz', async () => ({ status: 'ok' }));
  return app;
}
