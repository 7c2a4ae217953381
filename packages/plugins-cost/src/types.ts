import type { Usage } from '@tollgate/core';

/** What a price applies to; LiteLLM's `mode` values that Tollgate serves. */
export type Mode = 'chat' | 'completion' | 'responses' | 'embedding' | 'rerank' | 'moderation';

/**
 * One model in LiteLLM's price-map format (`model_prices_and_context_window.json`): USD per token
 * (or per query / per second), context sizes and mode. Tiered keys are written
 * `<key>_above_<N>k_tokens`; service-tier keys end in `_priority` or `_flex`. Unknown keys are kept
 * and ignored. Values may be strings ("3e-7"), as YAML configs sometimes give them.
 */
export interface PriceEntry {
  input_cost_per_token?: number | string;
  output_cost_per_token?: number | string;
  cache_read_input_token_cost?: number | string;
  /** Anthropic's 5-minute cache write (and the only cache-write price elsewhere). */
  cache_creation_input_token_cost?: number | string;
  /** Anthropic's 1-hour cache write. */
  cache_creation_input_token_cost_above_1hr?: number | string;
  output_cost_per_reasoning_token?: number | string;
  /** Rerank: USD per search unit (Cohere: one query over up to 100 documents). */
  input_cost_per_query?: number | string;
  /** Runtime pricing (self-hosted endpoints), charged once per request when no token price is set. */
  cost_per_second?: number | string;
  input_cost_per_second?: number | string;
  output_cost_per_second?: number | string;
  max_input_tokens?: number;
  max_output_tokens?: number;
  max_tokens?: number;
  mode?: string;
  litellm_provider?: string;
  [key: string]: unknown;
}

/** USD per MILLION tokens for each kind of token, as one tier and service tier charge them. */
export interface Rates {
  input: number;
  output: number;
  cacheRead: number;
  /** 5-minute cache write (the default TTL). */
  cacheWrite: number;
  cacheWrite1h: number;
  reasoning: number;
}

/** Rates for prompts above `above` tokens (LiteLLM's `*_above_<N>k_tokens`). */
export interface TierRates extends Rates {
  above: number;
}

export interface RateSet {
  base: Rates;
  /** Highest threshold first. */
  tiers: readonly TierRates[];
}

/** A price resolved for one model, compiled to numbers once. */
export interface ModelPrice {
  /** The key of the entry used, e.g. "gpt-4o-2024-08-06". */
  key: string;
  /** The price table it came from (Tollgate provider id), e.g. "openai". */
  provider: string;
  mode: Mode;
  maxInputTokens: number | null;
  maxOutputTokens: number | null;
  standard: RateSet;
  /** OpenAI/Gemini priority processing (`*_priority` keys), when the entry has them. */
  priority: RateSet | null;
  /** OpenAI flex processing (`*_flex` keys). */
  flex: RateSet | null;
  /** Rerank: USD per million search units (the same scale as the token rates). */
  perQuery: number;
  /** USD per million seconds. */
  perSecond: number;
  /** xAI bills the higher tier from the threshold itself (>=), others above it (>), as LiteLLM does. */
  inclusiveThreshold: boolean;
  /** Where the figures came from: the shipped table, a price file, or deployment overrides. */
  origin: 'table' | 'file' | 'override';
  entry: Readonly<PriceEntry>;
}

/** Per-deployment price overrides, as LiteLLM configs write them. */
export interface PriceOverrides {
  model_info?: Readonly<Record<string, unknown>> | null;
  params?: Readonly<Record<string, unknown>> | null;
  litellm_params?: Readonly<Record<string, unknown>> | null;
}

/**
 * The canonical Usage, plus the split of cache writes by TTL that LiteLLM reads
 * (`prompt_tokens_details.cache_creation_token_details`), for adapters that report it.
 */
export type PricedUsage = Omit<Usage, 'prompt_tokens_details'> & {
  prompt_tokens_details?: Usage['prompt_tokens_details'] & {
    cache_creation_token_details?: { ephemeral_5m_input_tokens?: number; ephemeral_1h_input_tokens?: number } | null;
  } | null;
  completion_tokens_details?: Usage['completion_tokens_details'] | null;
};

/** USD per kind of token; `total` is their sum. */
export interface CostBreakdown {
  /** Uncached input tokens (and rerank search units, runtime pricing). */
  input: number;
  cache_read: number;
  cache_write: number;
  /** Output tokens that are not reasoning. */
  output: number;
  reasoning: number;
  total: number;
}

/** One request's cost, as a spend log stores it. Token counts are the provider's (or estimated). */
export interface CostRecord {
  /** USD; 0 when no price is known (`price_key` null). */
  cost: number;
  usage_estimated: boolean;
  /** prompt_tokens: cached reads and cache writes included, as OpenAI counts them. */
  input_tokens: number;
  /** completion_tokens: reasoning included. */
  output_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  /** Rerank search units billed (reported, or estimated from the documents). */
  search_units: number;
  /** What the tokens would cost at the deployment's price (for a cache hit: what was saved). */
  breakdown: CostBreakdown;
  /** The answer came from the gateway's cache: `cost` is 0 (as LiteLLM records it). */
  cache_hit: boolean;
  /** A cache hit's avoided cost (its breakdown's total); 0 otherwise. */
  saved_cost: number;
  /** "<provider>/<key>" of the price used, or null when the model has no known price. */
  price_key: string | null;
}
