import type { EmbeddingRequest, EmbeddingResponse, ModerationRequest, ModerationResponse, Usage } from '../types/openai.js';
import type { RerankRequest, RerankResponse } from '../types/rerank.js';
import { validateEmbeddings, validateModeration, validateRerank } from './schemas.js';
import type { OperationSpec } from './types.js';

const never = (): boolean => false;

export const embeddingsOperation: OperationSpec<EmbeddingRequest, EmbeddingResponse> = {
  name: 'embeddings',
  paths: ['/embeddings'],
  body: 'json',
  validate: validateEmbeddings,
  model: (r) => r.model,
  usage: (r) => (r.usage ? { prompt_tokens: r.usage.prompt_tokens, completion_tokens: 0, total_tokens: r.usage.total_tokens } : null),
  streams: never,
};

/** OpenAI's default moderation model, used when a request names none (as OpenAI does). */
export const DEFAULT_MODERATION_MODEL = 'omni-moderation-latest';

export const moderationsOperation: OperationSpec<ModerationRequest, ModerationResponse> = {
  name: 'moderations',
  paths: ['/moderations'],
  body: 'json',
  validate: validateModeration,
  model: (r) => r.model ?? DEFAULT_MODERATION_MODEL,
  usage: () => null,
  streams: never,
};

/** Rerank in Cohere's shape, as LiteLLM serves `/rerank` (also `/v2/rerank`). */
export const rerankOperation: OperationSpec<RerankRequest, RerankResponse> = {
  name: 'rerank',
  paths: ['/rerank', '/v2/rerank'],
  body: 'json',
  validate: validateRerank,
  model: (r) => r.model,
  usage(r): Usage | null {
    const t = r.meta?.tokens ?? r.meta?.billed_units;
    if (!t || (t.input_tokens === undefined && t.output_tokens === undefined)) return null;
    const prompt = t.input_tokens ?? 0;
    const completion = t.output_tokens ?? 0;
    return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  },
  streams: never,
};
