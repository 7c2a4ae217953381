import { MODES } from '../types.js';

const mode = { enum: MODES, 'x-message': `must be one of ${MODES.join(', ')}` };
const modes = { anyOf: [mode, { type: 'array', items: mode, minItems: 1 }], 'x-message': `must be one of ${MODES.join(', ')}, or a list of them` };

/** `mode`: one, a list, or LiteLLM's tag-based form `{tags: {"<tag>": mode}, default: mode}`. */
export const modeSchema = {
  anyOf: [
    mode,
    { type: 'array', items: mode, minItems: 1 },
    { type: 'object', properties: { tags: { type: 'object', additionalProperties: modes }, default: modes }, required: ['tags'], additionalProperties: false },
  ],
  'x-message': `must be one of ${MODES.join(', ')}, a list of them, or {tags, default}`,
};

/** A native entry: `{name, type, mode, default_on, options}`. */
export const nativeEntrySchema = {
  type: 'object',
  required: ['name', 'type'],
  properties: {
    name: { type: 'string', minLength: 1, pattern: '^[^,\\s]+$', 'x-message': 'must be a name without spaces or commas' },
    type: { type: 'string', minLength: 1 },
    mode: modeSchema,
    default_on: { type: 'boolean' },
    options: { type: 'object' },
  },
  additionalProperties: false,
};

/** A LiteLLM entry: `{guardrail_name, litellm_params: {guardrail, mode, default_on, ...}}` (LiteLLM allows extra params). */
export const litellmEntrySchema = {
  type: 'object',
  required: ['guardrail_name', 'litellm_params'],
  properties: {
    guardrail_name: { type: 'string', minLength: 1, pattern: '^[^,\\s]+$', 'x-message': 'must be a name without spaces or commas' },
    guardrail_id: { type: 'string' },
    guardrail_info: { type: 'object' },
    litellm_params: {
      type: 'object',
      required: ['guardrail', 'mode'],
      properties: { guardrail: { type: 'string', minLength: 1 }, mode: modeSchema, default_on: { type: 'boolean' } },
    },
  },
  additionalProperties: false,
};

const action = { enum: ['mask', 'block'] };
const entities = (names: string[]) => ({
  type: 'object',
  propertyNames: { enum: names, 'x-message': `must be one of ${names.join(', ')}` },
  additionalProperties: action,
});

export const optionSchemas = {
  pii: (names: string[]) => ({
    type: 'object',
    properties: { entities: entities(names), action, restore_output: { type: 'boolean' } },
    additionalProperties: false,
  }),
  secrets: (names: string[]) => ({
    type: 'object',
    properties: { entities: entities(names), action, restore_output: { type: 'boolean' } },
    additionalProperties: false,
  }),
  keywords: {
    type: 'object',
    required: ['words'],
    properties: {
      words: {
        type: 'array',
        minItems: 1,
        items: {
          anyOf: [
            { type: 'string', minLength: 1 },
            { type: 'object', required: ['keyword'], properties: { keyword: { type: 'string', minLength: 1 }, action }, additionalProperties: false },
          ],
          'x-message': 'must be a keyword or {keyword, action}',
        },
      },
      action,
      match: { enum: ['word', 'substring'] },
    },
    additionalProperties: false,
  },
  regex: {
    type: 'object',
    required: ['patterns'],
    properties: {
      patterns: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['name', 'pattern'],
          properties: {
            name: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*$', 'x-message': 'must be a word (letters, digits, _)' },
            pattern: { type: 'string', minLength: 1 },
            flags: { type: 'string', pattern: '^[imsu]*$', 'x-message': 'must be made of i, m, s, u' },
            action,
            max_length: { type: 'integer', minimum: 1, maximum: 65536 },
          },
          additionalProperties: false,
        },
      },
      action,
    },
    additionalProperties: false,
  },
  prompt_injection: {
    type: 'object',
    properties: { threshold: { type: 'number', exclusiveMinimum: 0, maximum: 1 }, roles: { type: 'array', items: { enum: ['system', 'developer', 'user', 'assistant', 'tool', 'function'] } } },
    additionalProperties: false,
  },
  limits: {
    type: 'object',
    minProperties: 1,
    properties: {
      max_input_chars: { type: 'integer', minimum: 1 },
      max_input_tokens: { type: 'integer', minimum: 1 },
      max_messages: { type: 'integer', minimum: 1 },
    },
    additionalProperties: false,
  },
  json_schema: { type: 'object', properties: { retry: { type: 'boolean' } }, additionalProperties: false },
  webhook: {
    type: 'object',
    required: ['url'],
    properties: {
      url: { type: 'string', pattern: '^https?://', 'x-message': 'must be an http(s) URL' },
      headers: { type: 'object', additionalProperties: { type: 'string' } },
      timeout_ms: { type: 'integer', minimum: 1 },
      on_error: { enum: ['fail_open', 'fail_closed'] },
      params: { type: 'object' },
    },
    additionalProperties: false,
  },
  litellm_content_filter: {
    type: 'object',
    properties: {
      patterns: {
        type: 'array',
        items: {
          type: 'object',
          required: ['pattern_type', 'action'],
          properties: {
            pattern_type: { enum: ['prebuilt', 'regex'] },
            pattern_name: { type: 'string' },
            pattern: { type: 'string' },
            name: { type: 'string' },
            action: { enum: ['BLOCK', 'MASK'] },
          },
          additionalProperties: false,
        },
      },
      blocked_words: {
        type: 'array',
        items: {
          type: 'object',
          required: ['keyword', 'action'],
          properties: { keyword: { type: 'string', minLength: 1 }, action: { enum: ['BLOCK', 'MASK'] }, description: { type: 'string' } },
          additionalProperties: false,
        },
      },
      blocked_words_file: { type: 'string' },
      pattern_redaction_format: { type: 'string', pattern: '\\{pattern_name\\}', 'x-message': 'must contain {pattern_name}' },
      keyword_redaction_tag: { type: 'string' },
    },
  },
  generic_guardrail_api: {
    type: 'object',
    properties: {
      api_base: { type: 'string', pattern: '^https?://', 'x-message': 'must be an http(s) URL' },
      api_key: { type: 'string' },
      headers: { type: 'object', additionalProperties: { type: 'string' } },
      additional_provider_specific_params: { type: 'object' },
      unreachable_fallback: { enum: ['fail_open', 'fail_closed'] },
      timeout: { type: 'number', exclusiveMinimum: 0 },
    },
  },
};
