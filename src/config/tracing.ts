import { ConfigError, given, setting, type Env, type SettingsTable } from './env';
import { text } from './parsers';

/**
 * Which OpenTelemetry variables turn tracing on and how they are read (the worker's and the
 * gateway's). Tracing is off unless an OTLP endpoint (or `OTEL_TRACES_EXPORTER`) asks for it: the
 * SDK's own default (OTLP to localhost:4318) would make every worker try to export spans nobody
 * collects. The values are checked together below (one protocol variable overrides another, the
 * endpoint follows the protocol), so the table's parsers take the text as it is.
 */
export const TRACING_SETTINGS = {
  endpoint: setting({
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    description:
      'turns tracing on: the base URL of the OTLP receiver spans are sent to, such as http://jaeger:4318 (grpc: http://jaeger:4317); `/v1/traces` is appended for the HTTP protocols',
    whenUnset: 'off',
    parse: text,
  }),
  tracesEndpoint: setting({
    name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    description: 'the full URL of the traces receiver, used as it is; turns tracing on too',
    whenUnset: '`OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`',
    parse: text,
  }),
  protocol: setting({
    name: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    description: '`http/protobuf`, `http/json` or `grpc`',
    default: 'http/protobuf',
    parse: text,
  }),
  tracesProtocol: setting({
    name: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
    description: 'the same, for traces only (over `OTEL_EXPORTER_OTLP_PROTOCOL`)',
    whenUnset: '`OTEL_EXPORTER_OTLP_PROTOCOL`',
    parse: text,
  }),
  exporter: setting({
    name: 'OTEL_TRACES_EXPORTER',
    description:
      '`otlp`, `console` (spans printed to stdout, for a look without a collector) or `none` (off whatever else is set)',
    whenUnset: 'otlp when an endpoint is set, otherwise none',
    parse: text,
  }),
  serviceName: setting({
    name: 'OTEL_SERVICE_NAME',
    description: 'the `service.name` of the spans',
    whenUnset: 'hotdocs-worker for the worker, hotdocs-gateway for the gateway',
    parse: text,
  }),
  sampler: setting({
    name: 'OTEL_TRACES_SAMPLER',
    description:
      '`always_on`, `always_off`, `traceidratio`, `parentbased_always_on`, `parentbased_always_off` or `parentbased_traceidratio`',
    default: 'parentbased_always_on',
    parse: text,
  }),
  samplerArg: setting({
    name: 'OTEL_TRACES_SAMPLER_ARG',
    description: 'the ratio of the ratio samplers, 0 to 1',
    default: '1',
    parse: text,
  }),
  disabled: setting({
    name: 'OTEL_SDK_DISABLED',
    description:
      '`true` turns tracing off whatever else is set. `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_EXPORTER_OTLP_HEADERS`, `…_TIMEOUT`, `…_COMPRESSION` and `OTEL_BSP_*` work as the OpenTelemetry SDK documents them',
    default: 'false',
    parse: text,
  }),
} as const satisfies SettingsTable;

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
  const S = TRACING_SETTINGS;
  const value = (s: (typeof S)[keyof typeof S]): string | undefined => given(env, s.name);
  if ((value(S.disabled) ?? S.disabled.default).toLowerCase() === 'true') return undefined;
  const problems: string[] = [];
  const tracesEndpoint = value(S.tracesEndpoint);
  const baseEndpoint = value(S.endpoint);
  const exporterName = value(S.exporter)?.toLowerCase();
  const kind = exporterName ?? ((tracesEndpoint ?? baseEndpoint) ? 'otlp' : 'none');
  if (kind === 'none') return undefined;
  if (kind !== 'otlp' && kind !== 'console')
    problems.push(`OTEL_TRACES_EXPORTER must be otlp, console or none, not "${exporterName}"`);

  const protocol = (value(S.tracesProtocol) ?? value(S.protocol) ?? S.protocol.default) as TracingProtocol;
  if (!PROTOCOLS.includes(protocol))
    problems.push(`OTEL_EXPORTER_OTLP_PROTOCOL must be one of ${PROTOCOLS.join(', ')}, not "${protocol}"`);
  const url = tracesEndpoint ?? otlpTracesUrl(baseEndpoint ?? defaultEndpoint(protocol), protocol);
  if (kind === 'otlp' && !/^https?:\/\/[^/]/i.test(url))
    problems.push(`the OTLP endpoint must be an http:// or https:// URL, not "${url}"`);

  const sampler = (value(S.sampler)?.toLowerCase() ?? S.sampler.default) as TracingSampler;
  if (!SAMPLERS.includes(sampler))
    problems.push(`OTEL_TRACES_SAMPLER must be one of ${SAMPLERS.join(', ')}, not "${sampler}"`);
  const ratioText = value(S.samplerArg);
  const samplerRatio = Number(ratioText ?? S.samplerArg.default);
  if (!(samplerRatio >= 0 && samplerRatio <= 1))
    problems.push(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, not "${ratioText}"`);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    exporter: kind === 'console' ? { kind } : { kind: 'otlp', protocol, url },
    serviceName: value(S.serviceName) ?? defaultServiceName,
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
