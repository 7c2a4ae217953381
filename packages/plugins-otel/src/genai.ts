import type { RequestContext } from '@tollgate/core';

/**
 * GenAI semantic-convention names (https://opentelemetry.io/docs/specs/semconv/gen-ai/, the
 * `gen_ai.*` registry, still "development" status: the package keeps them in its incubating
 * entry point, which is not meant to be imported, so the names are spelled out here).
 */
export const GEN_AI = {
  operation: 'gen_ai.operation.name',
  /** Deprecated in favour of gen_ai.provider.name; both are set, as backends read either. */
  system: 'gen_ai.system',
  provider: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  responseId: 'gen_ai.response.id',
  finishReasons: 'gen_ai.response.finish_reasons',
  maxTokens: 'gen_ai.request.max_tokens',
  temperature: 'gen_ai.request.temperature',
  topP: 'gen_ai.request.top_p',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
} as const;

/** Tollgate's operations as gen_ai.operation.name values. */
const OPERATIONS: Record<string, string> = { chat: 'chat', completions: 'text_completion', embeddings: 'embeddings' };

export function operationName(ctx: RequestContext): string {
  return OPERATIONS[ctx.operation] ?? ctx.operation;
}

/** Provider ids as gen_ai.provider.name's well-known values; others pass through. */
const PROVIDERS: Record<string, string> = {
  openai: 'openai',
  azure: 'azure.ai.openai',
  anthropic: 'anthropic',
  bedrock: 'aws.bedrock',
  bedrock_converse: 'aws.bedrock',
  gemini: 'gcp.gemini',
  vertex_ai: 'gcp.vertex_ai',
  vertex_ai_beta: 'gcp.vertex_ai',
  cohere: 'cohere',
  cohere_chat: 'cohere',
  groq: 'groq',
  mistral: 'mistral_ai',
  deepseek: 'deepseek',
  xai: 'x_ai',
  perplexity: 'perplexity',
};

export function providerName(provider: string): string {
  return PROVIDERS[provider] ?? provider;
}

type Attrs = Record<string, string | number | boolean | string[] | undefined>;

/** What the request asked for (chat and completions parameters). */
export function requestAttributes(ctx: RequestContext): Attrs {
  const r = ctx.request as Record<string, unknown> | null;
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  return {
    [GEN_AI.operation]: operationName(ctx),
    [GEN_AI.requestModel]: ctx.requestedModel,
    [GEN_AI.maxTokens]: num(r?.max_completion_tokens) ?? num(r?.max_tokens),
    [GEN_AI.temperature]: num(r?.temperature),
    [GEN_AI.topP]: num(r?.top_p),
  };
}

/** What the answer said: its id, model, finish reason, usage. */
export function responseAttributes(ctx: RequestContext): Attrs {
  const res = ctx.response as { id?: unknown; model?: unknown } | null;
  return {
    [GEN_AI.responseId]: typeof res?.id === 'string' ? res.id : undefined,
    [GEN_AI.responseModel]: typeof res?.model === 'string' ? res.model : undefined,
    [GEN_AI.finishReasons]: ctx.finishReason ? [ctx.finishReason] : undefined,
    [GEN_AI.inputTokens]: ctx.usage?.prompt_tokens,
    [GEN_AI.outputTokens]: ctx.usage?.completion_tokens,
  };
}
