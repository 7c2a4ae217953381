/**
 * JSON Schema of the router settings. The native `router:` section uses LiteLLM's own names
 * (litellm/types/router.py: RouterConfig, UpdateRouterConfig, RetryPolicy, AllowedFailsPolicy;
 * litellm/router.py: Router.__init__), so a `router_settings:` block moves over unchanged; the
 * native section is strict (unknown keys are errors), `router_settings` is not (LiteLLM has keys
 * Tollgate does not use; they are listed in a warning).
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
  num_retries: count,
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
  timeout: { type: 'number', exclusiveMinimum: 0 },
  stream_timeout: { type: 'number', exclusiveMinimum: 0 },
  enable_pre_call_checks: { type: 'boolean' },
  optional_pre_call_checks: { type: 'array', items: { type: 'string' } },
  enable_tag_filtering: { type: 'boolean' },
  tag_filtering_match_any: { type: 'boolean' },
  model_group_alias: {
    type: 'object',
    additionalProperties: {
      anyOf: [
        { type: 'string' },
        { type: 'object', required: ['model'], properties: { model: { type: 'string' }, hidden: { type: 'boolean' } }, additionalProperties: false },
      ],
      'x-message': 'must be a model group name or {model, hidden}',
    },
  },
  redis_url: { type: 'string', pattern: '^rediss?://', 'x-message': 'must be a redis:// or rediss:// URL' },
  redis_host: { type: 'string', minLength: 1 },
  redis_port: { anyOf: [{ type: 'integer', minimum: 1, maximum: 65535 }, { type: 'string', pattern: '^[0-9]+$' }], 'x-message': 'must be a port number' },
  redis_password: { type: 'string' },
} as const;

/** The native `router:` section. */
export const routerSchema = { type: 'object', properties: routerProperties, additionalProperties: false } as const;
/** LiteLLM's `router_settings:` (keys Tollgate does not know are allowed and reported). */
export const routerSettingsSchema = { type: 'object', properties: routerProperties } as const;

/** LiteLLM's `litellm_settings:` keys that are router settings there (module-level litellm.<name>). */
export const LITELLM_SETTINGS_KEYS = [
  'num_retries',
  'request_timeout',
  'fallbacks',
  'context_window_fallbacks',
  'content_policy_fallbacks',
  'default_fallbacks',
  'allowed_fails',
  'max_fallbacks',
] as const;
export const litellmSettingsSchema = {
  type: 'object',
  properties: {
    num_retries: count,
    request_timeout: { type: 'number', exclusiveMinimum: 0 },
    fallbacks: fallbackList,
    context_window_fallbacks: fallbackList,
    content_policy_fallbacks: fallbackList,
    default_fallbacks: { type: 'array', items: { type: 'string' } },
    allowed_fails: count,
    max_fallbacks: count,
  },
} as const;
