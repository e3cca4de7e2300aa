import cors from '@fastify/cors';
import type { Payload, PayloadCodec } from '@temporalio/common';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { bearerToken, HashedCredentialVerifier, sha256Hex } from '../security/hashed-credentials';

/**
 * The remote codec endpoint Temporal UI and the `temporal` CLI call to show encrypted payloads to
 * operators (`POST /codec/decode`, `POST /codec/encode`, JSON `{ payloads: [...] }` in Temporal's
 * proto-JSON form: metadata values and data in base64). Only authenticated callers may use it:
 * it turns ciphertext into personal data.
 */

export interface CodecEndpointOptions {
  codec: PayloadCodec;
  /** SHA-256 hex digests of the bearer tokens that may call the endpoint. */
  tokenHashes: readonly string[];
  /** Allow calls without a token (only sensible on a loopback-bound dev setup). */
  allowUnauthenticated?: boolean;
  /** Browser origins that may call it (Temporal UI's origin), for CORS. */
  corsOrigins: readonly string[];
}

const payloadJson = z.object({
  metadata: z.record(z.string(), z.string()).optional(),
  data: z.string().optional(),
});
const bodySchema = z.object({ payloads: z.array(payloadJson) });
type PayloadJson = z.infer<typeof payloadJson>;

function fromJson(payload: PayloadJson): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
    ),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toJson(payload: Payload): PayloadJson {
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

/** Adds the codec routes to an app (the gateway mounts them too). */
export async function registerCodecRoutes(
  app: FastifyInstance,
  options: CodecEndpointOptions,
): Promise<void> {
  const tokens = new HashedCredentialVerifier(
    options.tokenHashes.map((hash) => ({ name: 'codec', sha256Hex: hash })),
  );
  await app.register(async (scope) => {
    await scope.register(cors, {
      origin: [...options.corsOrigins],
      methods: ['POST', 'OPTIONS'],
      allowedHeaders: ['content-type', 'authorization', 'x-namespace'],
      credentials: true,
    });
    scope.addHook('onRequest', async (request, reply) => {
      if (request.method === 'OPTIONS') return;
      if (options.allowUnauthenticated === true) return;
      if (tokens.identify(bearerToken(request.headers.authorization)) === undefined) {
        await reply
          .code(401)
          .send({ error: { code: 'unauthorized', message: 'a valid bearer token is required' } });
      }
    });
    for (const direction of ['encode', 'decode'] as const) {
      scope.post(`/codec/${direction}`, async (request, reply) => {
        const parsed = bodySchema.safeParse(request.body);
        if (!parsed.success) {
          return reply.code(400).send({
            error: { code: 'validation-failed', message: 'expected { payloads: [{ metadata, data }] }' },
          });
        }
        const payloads = parsed.data.payloads.map(fromJson);
        try {
          const result = await options.codec[direction](payloads);
          return { payloads: result.map(toJson) };
        } catch (error) {
          return reply.code(400).send({ error: { code: 'codec-failed', message: (error as Error).message } });
        }
      });
    }
  });
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
