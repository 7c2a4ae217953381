import { type SpanContext } from '@opentelemetry/api';
import { parseTraceParent } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { CORE_VERSION, type Gateway, type Plugin, type RequestContext } from '@tollgate/core';
import { newSpanId, newTraceId, ReservedIds } from './ids.js';
import { emitSpans, newTraceState, type TraceState } from './spans.js';

export interface OtelOptions {
  /**
   * The collector's OTLP/HTTP base URL (`http://collector:4318`; `/v1/traces` is added) or its
   * full traces URL. Default: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else
   * `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, else `http://localhost:4318/v1/traces`.
   */
  endpoint?: string;
  /** Headers for the collector (default: `OTEL_EXPORTER_OTLP_HEADERS`). */
  headers?: Record<string, string>;
  /** `service.name` (default: `OTEL_SERVICE_NAME`, else `tollgate`). */
  serviceName?: string;
  /** Longest a finished span waits before its batch is sent, ms (default: `OTEL_BSP_SCHEDULE_DELAY`, else 5000). */
  exportDelayMs?: number;
  /** Send a W3C `traceparent` upstream on every attempt (default true). */
  propagate?: boolean;
  /** Another exporter instead of OTLP/HTTP (in code). */
  exporter?: SpanExporter;
}

export const NAME = '@tollgate/plugin-otel';

const CALLBACK_LIST = { type: 'array', items: { type: 'string' } };

/** `http://collector:4318` -> `http://collector:4318/v1/traces`; a full traces URL stays as it is. */
export function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

/** The client's span from its `traceparent` (W3C Trace Context), or null when absent or malformed. */
function clientSpan(ctx: RequestContext): SpanContext | null {
  const tp = ctx.headers.traceparent;
  const sc = typeof tp === 'string' ? parseTraceParent(tp) : null;
  return sc ? { ...sc, isRemote: true } : null;
}

const otelPlugin: Plugin<OtelOptions> = {
  name: NAME,
  meta: { core: '^0.1.0' },
  schema: {
    type: 'object',
    properties: {
      endpoint: { type: 'string', pattern: '^https?://' },
      headers: { type: 'object', additionalProperties: { type: 'string' } },
      serviceName: { type: 'string', minLength: 1 },
      exportDelayMs: { type: 'integer', minimum: 0 },
      propagate: { type: 'boolean' },
      exporter: {},
    },
    additionalProperties: false,
  },
  // LiteLLM's callback lists: `callbacks: ["otel"]` loads this plugin (the server's packagesCalledFor).
  config: { settings: { callbacks: CALLBACK_LIST, success_callback: CALLBACK_LIST, failure_callback: CALLBACK_LIST } },
  apply(gateway: Gateway, options: OtelOptions) {
    const ids = new ReservedIds();
    const exporter = options.exporter ?? new OTLPTraceExporter({ url: options.endpoint ? tracesUrl(options.endpoint) : undefined, headers: options.headers });
    const provider = new BasicTracerProvider({
      idGenerator: ids,
      resource: defaultResource().merge(resourceFromAttributes({
        [ATTR_SERVICE_NAME]: options.serviceName ?? process.env.OTEL_SERVICE_NAME ?? 'tollgate',
        [ATTR_SERVICE_VERSION]: CORE_VERSION,
      })),
      spanProcessors: [new BatchSpanProcessor(exporter, options.exportDelayMs === undefined ? {} : { scheduledDelayMillis: options.exportDelayMs })],
    });
    const tracer = provider.getTracer(NAME, CORE_VERSION);
    // Made on first use: requests that never reach an upstream carry no trace state.
    const slot = gateway.declareSlot<TraceState | null>(NAME, null);
    const stateOf = (ctx: RequestContext): TraceState => {
      let s = slot.get(ctx);
      if (!s) {
        s = newTraceState();
        s.parent = clientSpan(ctx);
        const ts = ctx.headers.tracestate;
        s.traceState = typeof ts === 'string' ? ts : undefined;
        slot.set(ctx, s);
      }
      return s;
    };

    if (options.propagate !== false) {
      // Per attempt: a span id for the attempt's span, named in the traceparent that goes upstream.
      gateway.hooks.transformRequest.tap({ name: NAME, marksChanges: true }, (request, ctx) => {
        const s = stateOf(ctx);
        const traceId = s.parent?.traceId ?? (s.traceId ??= newTraceId());
        const spanId = newSpanId();
        s.attemptIds.set(ctx.attempts[ctx.attempts.length - 1], spanId);
        const flags = s.parent && (s.parent.traceFlags & 1) === 0 ? '00' : '01';
        ctx.upstreamHeaders = { ...ctx.upstreamHeaders, traceparent: `00-${traceId}-${spanId}-${flags}`, ...(s.traceState ? { tracestate: s.traceState } : {}) };
        return request;
      });
    }
    gateway.hooks.account.tap({ name: NAME }, (ctx) => emitSpans(tracer, ids, ctx, stateOf(ctx)));
    gateway.hooks.shutdown.tapPromise(NAME, () => provider.shutdown());
  },
};

export default otelPlugin;
export { emitSpans, type TraceState } from './spans.js';
export { GEN_AI, providerName } from './genai.js';
