import { ConfigError, type Env, type VariableDocs } from '../config/env';

/**
 * Which OpenTelemetry variables turn tracing on and how they are read. Tracing is off unless an
 * OTLP endpoint (or `OTEL_TRACES_EXPORTER`) asks for it: the SDK's own default (OTLP to
 * localhost:4318) would make every worker try to export spans nobody collects.
 */

export const TRACING_VARIABLES: VariableDocs = {
  OTEL_EXPORTER_OTLP_ENDPOINT:
    'Turns tracing on: the base URL of the OTLP receiver spans are sent to, e.g. http://jaeger:4318 ' +
    '(grpc: http://jaeger:4317); `/v1/traces` is appended for the HTTP protocols (off)',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT:
    'The full URL of the traces receiver, used as is; turns tracing on too (OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces)',
  OTEL_EXPORTER_OTLP_PROTOCOL:
    '`http/protobuf`, `http/json` or `grpc`; OTEL_EXPORTER_OTLP_TRACES_PROTOCOL overrides it for traces (http/protobuf)',
  OTEL_TRACES_EXPORTER:
    '`otlp`, `console` (spans printed to stdout, for a look without a collector) or `none` (off whatever else is set) ' +
    '(otlp when an endpoint is set, otherwise none)',
  OTEL_SERVICE_NAME:
    'The `service.name` of the spans (hotdocs-worker for the worker, hotdocs-gateway for the gateway)',
  OTEL_TRACES_SAMPLER:
    '`always_on`, `always_off`, `traceidratio`, `parentbased_always_on`, `parentbased_always_off` or ' +
    '`parentbased_traceidratio`; OTEL_TRACES_SAMPLER_ARG is the ratio, 0 to 1 (parentbased_always_on)',
  OTEL_SDK_DISABLED:
    '`true` turns tracing off whatever else is set. OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS, ' +
    '`..._TIMEOUT`, `..._COMPRESSION` and OTEL_BSP_* work as the OpenTelemetry SDK documents them (false)',
};

export type TracingProtocol = 'http/protobuf' | 'http/json' | 'grpc';
export type TracingSampler =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

export interface TracingConfig {
  exporter: { kind: 'otlp'; protocol: TracingProtocol; url: string } | { kind: 'console' };
  serviceName: string;
  sampler: TracingSampler;
  /** For the ratio samplers. */
  samplerRatio: number;
}

const PROTOCOLS: readonly TracingProtocol[] = ['http/protobuf', 'http/json', 'grpc'];
const SAMPLERS: readonly TracingSampler[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

/** The tracing configuration, or undefined when tracing is off; every problem at once as a `ConfigError`. */
export function loadTracingConfig(env: Env, defaultServiceName: string): TracingConfig | undefined {
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };
  if (value('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined;
  const problems: string[] = [];
  const tracesEndpoint = value('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const baseEndpoint = value('OTEL_EXPORTER_OTLP_ENDPOINT');
  const exporterName = value('OTEL_TRACES_EXPORTER')?.toLowerCase();
  const kind = exporterName ?? ((tracesEndpoint ?? baseEndpoint) ? 'otlp' : 'none');
  if (kind === 'none') return undefined;
  if (kind !== 'otlp' && kind !== 'console')
    problems.push(`OTEL_TRACES_EXPORTER must be otlp, console or none, not "${exporterName}"`);

  const protocol = (value('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ??
    value('OTEL_EXPORTER_OTLP_PROTOCOL') ??
    'http/protobuf') as TracingProtocol;
  if (!PROTOCOLS.includes(protocol))
    problems.push(`OTEL_EXPORTER_OTLP_PROTOCOL must be one of ${PROTOCOLS.join(', ')}, not "${protocol}"`);
  const url = tracesEndpoint ?? otlpTracesUrl(baseEndpoint ?? defaultEndpoint(protocol), protocol);
  if (kind === 'otlp' && !/^https?:\/\/[^/]/i.test(url))
    problems.push(`the OTLP endpoint must be an http:// or https:// URL, not "${url}"`);

  const sampler = (value('OTEL_TRACES_SAMPLER')?.toLowerCase() ?? 'parentbased_always_on') as TracingSampler;
  if (!SAMPLERS.includes(sampler))
    problems.push(`OTEL_TRACES_SAMPLER must be one of ${SAMPLERS.join(', ')}, not "${sampler}"`);
  const ratioText = value('OTEL_TRACES_SAMPLER_ARG');
  const samplerRatio = ratioText === undefined ? 1 : Number(ratioText);
  if (!(samplerRatio >= 0 && samplerRatio <= 1))
    problems.push(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, not "${ratioText}"`);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    exporter: kind === 'console' ? { kind } : { kind: 'otlp', protocol, url },
    serviceName: value('OTEL_SERVICE_NAME') ?? defaultServiceName,
    sampler,
    samplerRatio,
  };
}

/** The collector's conventional port per protocol, as the OpenTelemetry SDK defaults to. */
function defaultEndpoint(protocol: TracingProtocol): string {
  return protocol === 'grpc' ? 'http://localhost:4317' : 'http://localhost:4318';
}

/** The HTTP exporters post to `<base>/v1/traces`; gRPC takes the base as it is. */
function otlpTracesUrl(base: string, protocol: TracingProtocol): string {
  return protocol === 'grpc' ? base : `${base.replace(/\/+$/, '')}/v1/traces`;
}

/** One line for start-up logs: where spans go, never a header or credential. */
export function describeTracing(config: TracingConfig | undefined): string {
  if (config === undefined) return 'off';
  const ratio = config.sampler.endsWith('traceidratio') ? ` ${config.samplerRatio}` : '';
  const target =
    config.exporter.kind === 'console'
      ? 'console'
      : `otlp ${config.exporter.protocol} ${withoutCredentials(config.exporter.url)}`;
  return `${target}, service ${config.serviceName}, sampler ${config.sampler}${ratio}`;
}

function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return url;
  }
}
