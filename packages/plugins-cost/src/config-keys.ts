import type { ConfigKeys } from '@tollgate/core';

/**
 * The price keys a deployment may set, in `model_info` or in `params` / `litellm_params`, with
 * LiteLLM's names (litellm/types/utils.py `ModelInfoBase`; `CustomPricingLiteLLMParams` in
 * litellm/types/router.py): each rate, its `_priority` / `_flex` service-tier variant, and its
 * long-context tiers (`_above_<N>k_tokens`, at the thresholds LiteLLM's price map uses).
 */
const RATES = [
  'input_cost_per_token',
  'output_cost_per_token',
  'cache_read_input_token_cost',
  'cache_creation_input_token_cost',
  'cache_creation_input_token_cost_above_1hr',
  'output_cost_per_reasoning_token',
];
const TIERS = ['128k', '200k', '272k', '512k'];
const SERVICE_TIERS = ['', '_priority', '_flex'];
const FLAT = ['input_cost_per_query', 'cost_per_second', 'input_cost_per_second', 'output_cost_per_second'];

export const PRICE_KEYS: readonly string[] = [
  ...RATES.flatMap((rate) => SERVICE_TIERS.flatMap((s) => [`${rate}${s}`, ...TIERS.map((t) => `${rate}_above_${t}_tokens${s}`)])),
  ...FLAT,
];

/** USD per token (or per query, per second): a number, or a numeric string as YAML configs sometimes give. */
const RATE_SCHEMA = {
  anyOf: [{ type: 'number', minimum: 0 }, { type: 'string', pattern: '^\\s*(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?\\s*$' }],
  'x-message': 'must be a non-negative number (USD)',
};

const rates = Object.fromEntries(PRICE_KEYS.map((k) => [k, RATE_SCHEMA]));

/** What the plugin reads of the config (the core owns `model_info.base_model`, `max_*_tokens`, `mode`). */
export const COST_CONFIG_KEYS: ConfigKeys = {
  params: { ...rates, base_model: { type: 'string', minLength: 1 } },
  modelInfo: rates,
};
