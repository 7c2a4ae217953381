/** JSON Schema of the native config shape (after LiteLLM aliases are folded in). */
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
          params: {
            type: 'object',
            required: ['model'],
            properties: {
              model: { type: 'string', pattern: '^[A-Za-z0-9_.-]+/.+$', 'x-message': 'must be "provider/model"' },
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
              max_retries: { type: 'integer', minimum: 0 },
              drop_params: { type: 'boolean' },
              headers: { type: 'object', additionalProperties: { type: 'string' } },
            },
          },
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
    router: {
      type: 'object',
      properties: {
        num_retries: { type: 'integer', minimum: 0 },
        timeout: { type: 'number', exclusiveMinimum: 0 },
        routing_strategy: { type: 'string' },
        fallbacks: { type: 'array', items: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } } },
      },
    },
    settings: {
      type: 'object',
      properties: {
        master_key: { type: 'string', minLength: 1 },
        database_url: { type: 'string' },
        drop_params: { type: 'boolean' },
        request_timeout: { type: 'number', exclusiveMinimum: 0 },
        max_request_body_mb: { type: 'number', exclusiveMinimum: 0 },
        log_level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
      },
    },
  },
} as const;
