import type { RequestContext } from '@tollgate/core';
import type { RequestRecord } from '../engine.js';

/**
 * What `@tollgate/plugin-cost` registers under this token: a function giving a request's cost
 * record (read here through this local shape, never by importing that package).
 */
export const COST_RECORDS: symbol = Symbol.for('@tollgate/plugin-cost.records');

export interface CostView {
  cost: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
}
export type CostReader = (ctx: RequestContext) => CostView | null;

/** LiteLLM's call_type per operation (litellm/types/utils.py, CallTypes). */
const CALL_TYPES: Record<string, string> = {
  chat: 'acompletion',
  completions: 'atext_completion',
  embeddings: 'aembedding',
  moderations: 'amoderation',
  rerank: 'arerank',
};

/** The request's end user: OpenAI's `user` field (LiteLLM's end-user id). */
export function endUserOf(request: unknown): string | null {
  const u = (request as { user?: unknown } | null)?.user;
  return typeof u === 'string' && u ? u : null;
}

/** A finished request as a spend record: cost from the cost plugin (or ctx.cost), tokens from ctx.usage, times from ctx.timings. */
export function recordOf(ctx: RequestContext, costs: CostReader | null, tags: readonly string[]): RequestRecord {
  const priced = costs?.(ctx) ?? null;
  const usage = ctx.usage;
  const start = ctx.startedAtEpochMs;
  const d = ctx.deployment;
  const ok = ctx.outcome === 'ok' || ctx.outcome === 'cache_hit' || ctx.outcome === 'responded';
  return {
    requestId: ctx.id,
    callType: CALL_TYPES[ctx.operation] ?? ctx.operation,
    modelGroup: ctx.fallbackGroup ?? ctx.modelGroup?.name ?? ctx.requestedModel,
    model: d ? `${d.provider}/${d.providerModel}` : ctx.requestedModel,
    modelId: d?.id ?? null,
    provider: d?.provider ?? null,
    apiBase: typeof d?.params.api_base === 'string' ? d.params.api_base : null,
    promptTokens: priced?.input_tokens ?? usage?.prompt_tokens ?? 0,
    completionTokens: priced?.output_tokens ?? usage?.completion_tokens ?? 0,
    cachedTokens: priced?.cached_tokens ?? usage?.prompt_tokens_details?.cached_tokens ?? 0,
    reasoningTokens: priced?.reasoning_tokens ?? usage?.completion_tokens_details?.reasoning_tokens ?? 0,
    cost: priced?.cost ?? ctx.cost ?? 0,
    startTime: start,
    endTime: start + (ctx.timings.done || ctx.elapsed()),
    firstTokenTime: ctx.timings.firstToken ? start + ctx.timings.firstToken : null,
    cacheHit: ctx.outcome === 'cache_hit',
    status: ok ? 'success' : 'failure',
    endUser: endUserOf(ctx.request),
    tags: [...tags],
    ...(ctx.usageEstimated ? { metadata: { usage_estimated: true } } : {}),
  };
}
