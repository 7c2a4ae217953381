import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type SpanContext, type Tracer } from '@opentelemetry/api';
import { keyLabel, type AttemptRecord, type RequestContext, type StageTimings } from '@tollgate/core';
import { GEN_AI, operationName, providerName, requestAttributes, responseAttributes } from './genai.js';
import type { ReservedIds } from './ids.js';

/** What the plugin keeps per request: the trace it belongs to and the span ids sent upstream. */
export interface TraceState {
  /** The client's span, from its `traceparent` (null: this request starts a trace). */
  parent: SpanContext | null;
  /** The trace id sent upstream before the spans exist (null until an attempt needs one). */
  traceId: string | null;
  /** The client's `tracestate`, forwarded as is. */
  traceState: string | undefined;
  /** The span id each attempt's `traceparent` named. */
  attemptIds: Map<AttemptRecord, string>;
}

export const newTraceState = (): TraceState => ({ parent: null, traceId: null, traceState: undefined, attemptIds: new Map() });

type Attrs = Record<string, Attributes[string] | undefined>;

function clean(a: Attrs): Attributes {
  const out: Attributes = {};
  for (const k in a) if (a[k] !== undefined) out[k] = a[k];
  return out;
}

/** Where each stage's time goes on the request's timeline: durations are exact, positions anchored at the nearest timing. */
function stageWindows(ctx: RequestContext, end: number): Array<[keyof StageTimings, number]> {
  const t = ctx.timings;
  const s = ctx.stages;
  const failed = ctx.attempts.find((a) => a.error !== null);
  const afterPreRoute = t.authenticated + s.preRoute;
  return [
    ['preRoute', t.authenticated],
    ['route', (t.routed || afterPreRoute) - s.route],
    ['transformRequest', (t.upstreamStart || t.routed) - s.transformRequest],
    ['send', t.upstreamStart],
    ['attemptFailed', failed ? failed.endedAt : afterPreRoute],
    ['transformResponse', t.firstToken || afterPreRoute],
    ['transformChunk', t.firstToken],
    ['streamEnd', (t.lastByte || end) - s.streamEnd],
  ];
}

/**
 * The request's spans, made after it is over from what the core recorded (`ctx.timings`,
 * `ctx.stages`, `ctx.attempts`): a server span for the request, an internal span per hook stage
 * that took time, a client span per upstream attempt (with the span id its `traceparent` named).
 */
export function emitSpans(tracer: Tracer, ids: ReservedIds, ctx: RequestContext, state: TraceState): void {
  const t0 = ctx.startedAtEpochMs;
  const end = ctx.timings.done || ctx.elapsed();
  const at = (ms: number): number => t0 + Math.max(0, ms);
  const op = operationName(ctx);
  const d = ctx.deployment;
  const e = ctx.error;

  const parent: Context = state.parent ? trace.setSpanContext(ROOT_CONTEXT, state.parent) : ROOT_CONTEXT;
  ids.reserve(state.parent ? null : state.traceId, null);
  const root = tracer.startSpan(`${op} ${ctx.requestedModel}`, {
    kind: SpanKind.SERVER,
    startTime: t0,
    attributes: clean({
      ...requestAttributes(ctx),
      ...responseAttributes(ctx),
      [GEN_AI.system]: d ? providerName(d.provider) : undefined,
      [GEN_AI.provider]: d ? providerName(d.provider) : undefined,
      'http.response.status_code': e ? e.status : 200,
      'error.type': e ? e.kind : undefined,
      'tollgate.request_id': ctx.id,
      'tollgate.model_group': ctx.modelGroup?.name,
      'tollgate.fallback_group': ctx.fallbackGroup ?? undefined,
      'tollgate.deployment': d?.id,
      'tollgate.outcome': ctx.outcome,
      'tollgate.outcome_reason': ctx.outcomeReason ?? undefined,
      'tollgate.attempts': ctx.attempts.length,
      'tollgate.stream': ctx.stream,
      'tollgate.key': keyLabel(ctx.caller),
      'tollgate.cost_usd': ctx.cost ?? undefined,
      'tollgate.upstream_ms': ctx.upstreamMs,
      'tollgate.overhead_ms': ctx.overheadMs(),
      'tollgate.ttft_ms': ctx.stream && ctx.timings.firstToken ? ctx.timings.firstToken : undefined,
      'tollgate.internal': ctx.internal || undefined,
    }),
  }, parent);
  if (e) root.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
  const inRoot = trace.setSpan(ROOT_CONTEXT, root);

  for (const [stage, start] of stageWindows(ctx, end)) {
    const ms = ctx.stages[stage];
    if (!ms) continue;
    tracer.startSpan(`tollgate.${stage}`, { kind: SpanKind.INTERNAL, startTime: at(start), attributes: { 'tollgate.stage': stage, 'tollgate.stage.duration_ms': ms } }, inRoot).end(at(start + ms));
  }

  for (const a of ctx.attempts) {
    ids.reserve(null, state.attemptIds.get(a) ?? null);
    const provider = providerName(a.provider);
    const span = tracer.startSpan(`${op} ${a.deployment.providerModel}`, {
      kind: SpanKind.CLIENT,
      startTime: at(a.startedAt),
      attributes: clean({
        [GEN_AI.operation]: op,
        [GEN_AI.system]: provider,
        [GEN_AI.provider]: provider,
        [GEN_AI.requestModel]: a.deployment.providerModel,
        [GEN_AI.inputTokens]: a.usage?.prompt_tokens,
        [GEN_AI.outputTokens]: a.usage?.completion_tokens,
        'server.address': hostOf(a.deployment.prepared.baseUrl),
        'http.response.status_code': a.status ?? undefined,
        'error.type': a.errorKind ?? undefined,
        'tollgate.deployment': a.deploymentId,
        'tollgate.model_group': a.group,
        'tollgate.ttft_ms': a.firstTokenAt ? a.firstTokenAt - a.startedAt : undefined,
      }),
    }, inRoot);
    if (a.error) span.setStatus({ code: SpanStatusCode.ERROR, message: a.error.message });
    span.end(at(a.endedAt || end));
  }
  root.end(at(end));
}

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}
