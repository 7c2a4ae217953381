/**
 * JSON Schemas of the router keys the load balancer owns. The native `router:` section uses
 * LiteLLM's own names (litellm/types/router.py: RouterConfig, UpdateRouterConfig, RetryPolicy,
 * AllowedFailsPolicy; litellm/router.py: Router.__init__), so a `router_settings:` block moves over
 * unchanged (the core folds it into `router`, and checks every key against its owner's schema).
 */

export const ROUTING_STRATEGIES = [
  'simple-shuffle',
  'round-robin',
  'least-busy',
  'latency-based-routing',
  'usage-based-routing',
  'usage-based-routing-v2',
  'cost-based-routing',
] as const;

/** LiteLLM's RetryPolicy keys (retries per exception type). */
export const RETRY_POLICY_KEYS = [
  'BadRequestErrorRetries',
  'AuthenticationErrorRetries',
  'TimeoutErrorRetries',
  'RateLimitErrorRetries',
  'ContentPolicyViolationErrorRetries',
  'InternalServerErrorRetries',
  'ServiceUnavailableErrorRetries',
  'NotFoundErrorRetries',
  'DefaultRetries',
] as const;

/** LiteLLM's AllowedFailsPolicy keys (failures per minute before a cooldown, per exception type). */
export const ALLOWED_FAILS_POLICY_KEYS = [
  'BadRequestErrorAllowedFails',
  'AuthenticationErrorAllowedFails',
  'TimeoutErrorAllowedFails',
  'RateLimitErrorAllowedFails',
  'ContentPolicyViolationErrorAllowedFails',
  'InternalServerErrorAllowedFails',
  'ServiceUnavailableErrorAllowedFails',
  'BadGatewayErrorAllowedFails',
  'NotFoundErrorAllowedFails',
] as const;

const count = { type: 'integer', minimum: 0 };
const seconds = { type: 'number', minimum: 0 };
const policy = (keys: readonly string[]) => ({
  type: 'object',
  properties: Object.fromEntries(keys.map((k) => [k, count])),
  additionalProperties: false,
});
/** `[{group: [other groups]}]`; LiteLLM also takes a single group as a string. */
const fallbackList = {
  type: 'array',
  items: {
    type: 'object',
    minProperties: 1,
    maxProperties: 1,
    additionalProperties: { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'string' }], 'x-message': 'must be a list of model groups' },
    'x-message': 'must be {"<model group>": ["<fallback group>", ...]}',
  },
};

export const routerProperties = {
  routing_strategy: { enum: [...ROUTING_STRATEGIES] },
  routing_strategy_args: {
    type: 'object',
    properties: { lowest_latency_buffer: { type: 'number', minimum: 0 }, ttl: { type: 'number', exclusiveMinimum: 0 } },
  },
  retry_policy: policy(RETRY_POLICY_KEYS),
  model_group_retry_policy: { type: 'object', additionalProperties: policy(RETRY_POLICY_KEYS) },
  retry_after: seconds,
  allowed_fails: count,
  allowed_fails_policy: policy(ALLOWED_FAILS_POLICY_KEYS),
  cooldown_time: seconds,
  disable_cooldowns: { type: 'boolean' },
  fallbacks: fallbackList,
  context_window_fallbacks: fallbackList,
  content_policy_fallbacks: fallbackList,
  default_fallbacks: { type: 'array', items: { type: 'string' } },
  max_fallbacks: count,
  enable_pre_call_checks: { type: 'boolean' },
  optional_pre_call_checks: { type: 'array', items: { type: 'string' } },
  enable_tag_filtering: { type: 'boolean' },
  tag_filtering_match_any: { type: 'boolean' },
} as const;

/**
 * Router keys the core owns (and validates) that the load balancer reads too; checked here only
 * when settings are resolved outside a gateway (or from the plugin's options).
 */
export const CORE_ROUTER_READS = {
  num_retries: count,
  max_retry_wait: seconds,
} as const;

/** The plugin's options: the same keys as the `router:` section, strictly. */
export const optionsSchema = { type: 'object', properties: { ...routerProperties, ...CORE_ROUTER_READS }, additionalProperties: false } as const;

const price = { type: 'number', minimum: 0 };
const perMinute = { type: 'number', minimum: 0 };

/** Deployment params the load balancer reads beyond the core's (`weight`, `rpm`, `tpm`, `order`, `tags` are the core's): LiteLLM's litellm_params names. */
export const paramKeys = {
  cooldown_time: seconds,
  num_retries: count,
  input_cost_per_token: price,
  output_cost_per_token: price,
} as const;

/** `model_info` keys it reads beyond the core's (`max_input_tokens`, `max_tokens`). */
export const modelInfoKeys = {
  rpm: perMinute,
  tpm: perMinute,
  input_cost_per_token: price,
  output_cost_per_token: price,
} as const;
