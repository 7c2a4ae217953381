/**
 * JSON Schemas of what the core itself reads (after LiteLLM aliases are folded in). Keys the core
 * does not own are checked at start-up against the schemas plugins and adapters declare.
 */
export const CORE_PARAM_KEYS: Record<string, Record<string, unknown>> = {
  model: { type: 'string', pattern: '^(\\*|[A-Za-z0-9_.-]+/.+)$', 'x-message': 'must be "provider/model"' },
  api_base: { type: 'string', pattern: '^https?://', 'x-message': 'must be an http(s) URL' },
  api_key: { type: 'string' },
  api_version: { type: 'string' },
  organization: { type: 'string' },
  rpm: { type: 'number', minimum: 0 },
  tpm: { type: 'number', minimum: 0 },
  weight: { type: 'number', minimum: 0 },
  order: { type: 'integer' },
  timeout: { type: 'number', exclusiveMinimum: 0 },
  stream_timeout: { type: 'number', exclusiveMinimum: 0 },
  stream_idle_timeout: { type: 'number', exclusiveMinimum: 0 },
  max_retries: { type: 'integer', minimum: 0 },
  drop_params: { type: 'boolean' },
  headers: { type: 'object', additionalProperties: { type: 'string' } },
  tags: { type: 'array', items: { type: 'string' } },
  /** Client body fields this deployment forwards upstream beyond the canonical ones (LiteLLM's name). */
  allowed_client_params: { type: 'array', items: { type: 'string' } },
  /** Client headers this deployment forwards upstream (e.g. anthropic-beta). */
  forward_client_headers: { type: 'array', items: { type: 'string' } },
};

export const CORE_MODEL_INFO_KEYS: Record<string, Record<string, unknown>> = {
  id: { type: 'string', minLength: 1 },
  mode: { type: 'string' },
  base_model: { type: 'string' },
  max_tokens: { type: 'integer', minimum: 1 },
  max_input_tokens: { type: 'integer', minimum: 1 },
  max_output_tokens: { type: 'integer', minimum: 1 },
  tags: { type: 'array', items: { type: 'string' } },
  description: { type: 'string' },
  access_groups: { type: 'array', items: { type: 'string' } },
  team_id: { type: 'string' },
  db_model: { type: 'boolean' },
  litellm_provider: { type: 'string' },
  supported_openai_params: { type: 'array', items: { type: 'string' } },
};

/** `model_info.supports_vision`, `supports_function_calling`, ...: capability flags LiteLLM configs carry. */
export const MODEL_INFO_KEY_PATTERN = /^supports_[a-z_]+$/;

export const CORE_SETTINGS_KEYS: Record<string, Record<string, unknown>> = {
  master_key: { type: 'string', minLength: 1 },
  drop_params: { type: 'boolean' },
  request_timeout: { type: 'number', exclusiveMinimum: 0 },
  max_request_body_mb: { type: 'number', exclusiveMinimum: 0 },
  log_level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
  drain_timeout: { type: 'number', minimum: 0 },
  plugin_start_timeout: { type: 'number', exclusiveMinimum: 0 },
};

export const CORE_ROUTER_KEYS: Record<string, Record<string, unknown>> = {
  num_retries: { type: 'integer', minimum: 0 },
  timeout: { type: 'number', exclusiveMinimum: 0 },
  stream_timeout: { type: 'number', exclusiveMinimum: 0 },
  stream_idle_timeout: { type: 'number', exclusiveMinimum: 0 },
  max_retry_wait: { type: 'number', minimum: 0 },
  model_group_alias: {
    type: 'object',
    additionalProperties: {
      anyOf: [{ type: 'string', minLength: 1 }, { type: 'object', required: ['model'], properties: { model: { type: 'string', minLength: 1 }, hidden: { type: 'boolean' } } }],
      'x-message': 'must be a model group name or {model, hidden}',
    },
  },
};

/** The shape of the normalised config; per-key checks come from the owners' schemas at start-up. */
export const configSchema = {
  type: 'object',
  properties: {
    model_list: {
      type: 'array',
      items: {
        type: 'object',
        required: ['model_name', 'params'],
        properties: {
          model_name: { type: 'string', minLength: 1 },
          params: { type: 'object', required: ['model'], properties: CORE_PARAM_KEYS },
          model_info: { type: 'object' },
        },
      },
    },
    plugins: {
      type: 'array',
      items: {
        anyOf: [
          { type: 'string', minLength: 1 },
          { type: 'array', minItems: 1, maxItems: 2, items: [{ type: 'string' }, { type: 'object' }] },
          { type: 'object', required: ['name'], properties: { name: { type: 'string' }, options: { type: 'object' } } },
        ],
        'x-message': 'must be a package name or [name, options]',
      },
    },
    router: { type: 'object' },
    settings: { type: 'object' },
  },
} as const;
