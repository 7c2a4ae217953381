import type { Usage } from '@tollgate/core';
import type { AnthropicUsage } from './types.js';

/**
 * Anthropic counts cached input apart from `input_tokens`; OpenAI's prompt_tokens includes it. As
 * LiteLLM does: prompt = input + cache_read + cache_creation, cached_tokens = cache_read.
 */
export function toOpenAIUsage(u: Partial<AnthropicUsage> | null | undefined): Usage {
  const input = u?.input_tokens ?? 0;
  const read = u?.cache_read_input_tokens ?? 0;
  const creation = u?.cache_creation_input_tokens ?? 0;
  const completion = u?.output_tokens ?? 0;
  const prompt = input + read + creation;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: read, cache_creation_tokens: creation },
  };
}

/** The other way, for an Anthropic client: input_tokens excludes what was read from or written to the cache. */
export function toAnthropicUsage(u: Usage | null | undefined): Required<AnthropicUsage> {
  const read = u?.prompt_tokens_details?.cached_tokens ?? 0;
  const creation = u?.prompt_tokens_details?.cache_creation_tokens ?? 0;
  return {
    input_tokens: Math.max(0, (u?.prompt_tokens ?? 0) - read - creation),
    output_tokens: u?.completion_tokens ?? 0,
    cache_creation_input_tokens: creation,
    cache_read_input_tokens: read,
  };
}
