import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { findFreePort } from '../../src/observability/free-port';
import { startChild, type ChildHandle } from '../process/child-process';

/**
 * Jaeger (the pinned build of tools/jaeger/install.sh) on free loopback ports, memory storage:
 * the trace backend of the tracing test and of `npm run dev -- --tracing`, and a small client of
 * its query API (the one the UI uses).
 */

const ROOT = path.resolve(__dirname, '..', '..');
export const JAEGER_VERSION_FILE = path.join(ROOT, 'tools', 'jaeger', 'version.env');
const CONFIG = path.join(ROOT, 'tools', 'jaeger', 'config.yaml');

export function jaegerVersions(): { module: string; image: string } {
  const pins = Object.fromEntries(
    readFileSync(JAEGER_VERSION_FILE, 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => line.split('=', 2) as [string, string]),
  );
  const module = pins['JAEGER_MODULE_VERSION'];
  const image = pins['JAEGER_IMAGE_VERSION'];
  if (module === undefined || image === undefined) throw new Error(`${JAEGER_VERSION_FILE} lacks a version`);
  return { module, image };
}

/** `JAEGER_PATH`, or the pinned build in .tools/. */
export function jaegerBinary(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['JAEGER_PATH'];
  if (explicit !== undefined && explicit !== '') return explicit;
  const pinned = path.join(ROOT, '.tools', `jaeger-${jaegerVersions().module}`, 'jaeger');
  if (!existsSync(pinned))
    throw new Error(`Jaeger is not installed (${pinned} is missing): run bash tools/jaeger/install.sh`);
  return pinned;
}

export interface RunningJaeger {
  /** OTLP over HTTP, as OTEL_EXPORTER_OTLP_ENDPOINT takes it (http/protobuf, http/json). */
  otlpHttpEndpoint: string;
  /** OTLP over gRPC (OTEL_EXPORTER_OTLP_PROTOCOL=grpc). */
  otlpGrpcEndpoint: string;
  /** The query API and UI (`/api/traces`, `/trace/<id>`). */
  queryUrl: string;
  handle: ChildHandle;
  stop(): Promise<void>;
}

export async function startJaeger(options: { binary?: string } = {}): Promise<RunningJaeger> {
  const ports = {
    JAEGER_HEALTH_PORT: await findFreePort(),
    JAEGER_QUERY_HTTP_PORT: await findFreePort(),
    JAEGER_QUERY_GRPC_PORT: await findFreePort(),
    JAEGER_OTLP_GRPC_PORT: await findFreePort(),
    JAEGER_OTLP_HTTP_PORT: await findFreePort(),
  };
  const health = `http://127.0.0.1:${ports.JAEGER_HEALTH_PORT}/status`;
  const { handle } = await startChild({
    name: 'Jaeger',
    command: options.binary ?? jaegerBinary(),
    args: ['--config', CONFIG],
    env: {
      PATH: process.env['PATH'],
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    },
    ready: {
      probe: async () => {
        const answer = await request(health).catch(() => undefined);
        await answer?.body.dump();
        return answer?.statusCode === 200 ? true : `${health} answering 200`;
      },
      intervalMs: 100,
    },
    readyTimeoutMs: 60_000,
  });
  return {
    otlpHttpEndpoint: `http://127.0.0.1:${ports.JAEGER_OTLP_HTTP_PORT}`,
    otlpGrpcEndpoint: `http://127.0.0.1:${ports.JAEGER_OTLP_GRPC_PORT}`,
    queryUrl: `http://127.0.0.1:${ports.JAEGER_QUERY_HTTP_PORT}`,
    handle,
    stop: () => handle.stop(5_000),
  };
}

/** A span as Jaeger's query API answers it (the fields we read). */
export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: 'CHILD_OF' | 'FOLLOWS_FROM'; traceID: string; spanID: string }[];
  /** Microseconds since the epoch. */
  startTime: number;
  /** Microseconds. */
  duration: number;
  tags: { key: string; type: string; value: unknown }[];
  processID: string;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

/** `GET /api/traces` with the query's parameters (`service`, `operation`, `tags`, `limit`, ...). */
export async function findTraces(queryUrl: string, query: Record<string, string>): Promise<JaegerTrace[]> {
  const url = `${queryUrl}/api/traces?${new URLSearchParams({ limit: '50', ...query })}`;
  const answer = await request(url);
  const body = (await answer.body.json()) as { data: JaegerTrace[] | null; errors: unknown };
  if (answer.statusCode !== 200)
    throw new Error(`${url}: HTTP ${answer.statusCode} ${JSON.stringify(body.errors)}`);
  return body.data ?? [];
}

export async function getTrace(queryUrl: string, traceId: string): Promise<JaegerTrace | undefined> {
  const answer = await request(`${queryUrl}/api/traces/${traceId}`);
  if (answer.statusCode === 404) {
    await answer.body.dump();
    return undefined;
  }
  const body = (await answer.body.json()) as { data: JaegerTrace[] };
  return body.data[0];
}

export function tag(span: JaegerSpan, key: string): unknown {
  return span.tags.find((t) => t.key === key)?.value;
}
