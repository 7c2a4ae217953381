import { BadRequestError } from '../errors.js';
import type { ChatCompletionRequest, CompletionRequest, EmbeddingRequest, ModerationRequest } from '../types/openai.js';
import type { RerankRequest } from '../types/rerank.js';
import { compileSchema, firstError } from '../validation.js';

const num = (min: number, max: number) => ({ type: ['number', 'null'], minimum: min, maximum: max });

const contentPart = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { enum: ['text', 'image_url', 'input_audio', 'file', 'refusal'] },
  },
  allOf: [
    { if: { properties: { type: { const: 'text' } } }, then: { required: ['text'], properties: { text: { type: 'string' } } } },
    {
      if: { properties: { type: { const: 'image_url' } } },
      then: { required: ['image_url'], properties: { image_url: { type: 'object', required: ['url'], properties: { url: { type: 'string', minLength: 1 } } } } },
    },
  ],
};

const content = { anyOf: [{ type: 'string' }, { type: 'array', items: contentPart }], 'x-message': 'must be a string or an array of content parts' };

/** OpenAI's documented constraints, checked once by a schema compiled at start-up. */
export const chatRequestSchema = {
  type: 'object',
  required: ['model', 'messages'],
  properties: {
    model: { type: 'string', minLength: 1 },
    messages: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['role'],
        properties: {
          role: { enum: ['system', 'developer', 'user', 'assistant', 'tool', 'function'] },
        },
        allOf: [
          { if: { properties: { role: { enum: ['system', 'developer', 'user'] } } }, then: { required: ['content'], properties: { content } } },
          { if: { properties: { role: { const: 'tool' } } }, then: { required: ['tool_call_id', 'content'], properties: { tool_call_id: { type: 'string' }, content } } },
          {
            if: { properties: { role: { const: 'assistant' } } },
            then: {
              properties: {
                content: { anyOf: [{ type: 'string' }, { type: 'null' }, { type: 'array', items: contentPart }] },
                // Anthropic's thinking blocks, sent back with their signatures (LiteLLM's field).
                thinking_blocks: {
                  type: ['array', 'null'],
                  items: {
                    type: 'object',
                    required: ['type'],
                    properties: {
                      type: { enum: ['thinking', 'redacted_thinking'] },
                      thinking: { type: 'string' },
                      signature: { type: 'string' },
                      data: { type: 'string' },
                    },
                  },
                },
                reasoning_content: { type: ['string', 'null'] },
                tool_calls: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['id', 'type', 'function'],
                    properties: {
                      id: { type: 'string' },
                      type: { const: 'function' },
                      function: { type: 'object', required: ['name', 'arguments'], properties: { name: { type: 'string' }, arguments: { type: 'string' } } },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    },
    stream: { type: ['boolean', 'null'] },
    stream_options: { type: ['object', 'null'], properties: { include_usage: { type: 'boolean' } } },
    temperature: num(0, 2),
    top_p: num(0, 1),
    n: { type: ['integer', 'null'], minimum: 1, maximum: 128 },
    presence_penalty: num(-2, 2),
    frequency_penalty: num(-2, 2),
    max_tokens: { type: ['integer', 'null'], minimum: 1 },
    max_completion_tokens: { type: ['integer', 'null'], minimum: 1 },
    seed: { type: ['integer', 'null'] },
    logprobs: { type: ['boolean', 'null'] },
    top_logprobs: { type: ['integer', 'null'], minimum: 0, maximum: 20 },
    stop: { anyOf: [{ type: 'string' }, { type: 'null' }, { type: 'array', maxItems: 4, items: { type: 'string' } }] },
    logit_bias: { type: ['object', 'null'], additionalProperties: { type: 'number', minimum: -100, maximum: 100 } },
    user: { type: 'string' },
    parallel_tool_calls: { type: 'boolean' },
    reasoning_effort: { enum: ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', null] },
    // OpenAI allows string values only; LiteLLM clients send richer metadata (tags arrays), so any object passes.
    metadata: { type: ['object', 'null'] },
    tools: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'function'],
        properties: {
          type: { const: 'function' },
          function: {
            type: 'object',
            required: ['name'],
            properties: {
              name: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$', 'x-message': 'must be 1-64 letters, digits, underscores or dashes' },
              description: { type: 'string' },
              parameters: { type: 'object' },
              strict: { type: ['boolean', 'null'] },
            },
          },
        },
      },
    },
    tool_choice: {
      anyOf: [
        { enum: ['none', 'auto', 'required'] },
        { type: 'object', required: ['type', 'function'], properties: { type: { const: 'function' }, function: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } },
      ],
      'x-message': 'must be "none", "auto", "required" or {"type":"function","function":{"name":...}}',
    },
    response_format: {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: ['text', 'json_object', 'json_schema'] } },
      if: { properties: { type: { const: 'json_schema' } } },
      then: { required: ['json_schema'], properties: { json_schema: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, schema: { type: 'object' } } } } },
    },
  },
};

export const embeddingRequestSchema = {
  type: 'object',
  required: ['model', 'input'],
  properties: {
    model: { type: 'string', minLength: 1 },
    input: {
      anyOf: [
        { type: 'string' },
        { type: 'array', minItems: 1, items: { type: 'string' } },
        { type: 'array', minItems: 1, items: { type: 'integer' } },
        { type: 'array', minItems: 1, items: { type: 'array', items: { type: 'integer' } } },
      ],
      'x-message': 'must be a string, an array of strings, or token arrays',
    },
    encoding_format: { enum: ['float', 'base64'] },
    dimensions: { type: 'integer', minimum: 1 },
    user: { type: 'string' },
  },
};

export const completionRequestSchema = {
  type: 'object',
  required: ['model', 'prompt'],
  properties: {
    model: { type: 'string', minLength: 1 },
    prompt: {
      anyOf: [
        { type: 'string' },
        { type: 'array', minItems: 1, items: { type: 'string' } },
        { type: 'array', minItems: 1, items: { type: 'integer' } },
        { type: 'array', minItems: 1, items: { type: 'array', items: { type: 'integer' } } },
      ],
      'x-message': 'must be a string, an array of strings, or token arrays',
    },
    suffix: { type: ['string', 'null'] },
    stream: { type: ['boolean', 'null'] },
    stream_options: { type: ['object', 'null'], properties: { include_usage: { type: 'boolean' } } },
    max_tokens: { type: ['integer', 'null'], minimum: 0 },
    temperature: num(0, 2),
    top_p: num(0, 1),
    n: { type: ['integer', 'null'], minimum: 1, maximum: 128 },
    best_of: { type: ['integer', 'null'], minimum: 0, maximum: 20 },
    logprobs: { type: ['integer', 'null'], minimum: 0, maximum: 5 },
    echo: { type: ['boolean', 'null'] },
    stop: { anyOf: [{ type: 'string' }, { type: 'null' }, { type: 'array', maxItems: 4, items: { type: 'string' } }] },
    presence_penalty: num(-2, 2),
    frequency_penalty: num(-2, 2),
    logit_bias: { type: ['object', 'null'], additionalProperties: { type: 'number', minimum: -100, maximum: 100 } },
    seed: { type: ['integer', 'null'] },
    user: { type: 'string' },
  },
};

export const moderationRequestSchema = {
  type: 'object',
  required: ['input'],
  properties: {
    model: { type: 'string', minLength: 1 },
    input: {
      anyOf: [
        { type: 'string' },
        { type: 'array', minItems: 1, items: { type: 'string' } },
        {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['type'],
            properties: { type: { enum: ['text', 'image_url'] } },
          },
        },
      ],
      'x-message': 'must be a string, an array of strings, or an array of text and image_url parts',
    },
  },
};

export const rerankRequestSchema = {
  type: 'object',
  required: ['model', 'query', 'documents'],
  properties: {
    model: { type: 'string', minLength: 1 },
    query: { type: 'string', minLength: 1 },
    documents: {
      type: 'array',
      minItems: 1,
      maxItems: 10000,
      items: { anyOf: [{ type: 'string' }, { type: 'object' }] },
      'x-message': 'must be an array of strings or objects',
    },
    top_n: { type: 'integer', minimum: 1 },
    rank_fields: { type: 'array', items: { type: 'string' } },
    return_documents: { type: 'boolean' },
    max_chunks_per_doc: { type: 'integer', minimum: 1 },
    max_tokens_per_doc: { type: 'integer', minimum: 1 },
  },
};

/** A validator for a JSON-object body, from a schema compiled once. */
export function bodyValidator<T>(schema: Record<string, unknown>, extra?: (body: T) => void): (body: unknown) => T {
  const check = compileSchema<T>(schema);
  return (body) => {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadRequestError('Request body must be a JSON object.');
    if (!check(body)) {
      const { param, message } = firstError(check.errors);
      throw new BadRequestError(`Invalid request: ${message}`, { param });
    }
    extra?.(body);
    return body;
  };
}

function streamOptionsNeedStream(body: { stream?: boolean | null; stream_options?: unknown }): void {
  if (body.stream_options != null && body.stream !== true) {
    throw new BadRequestError("The 'stream_options' parameter is only allowed when 'stream' is enabled.", { param: 'stream_options' });
  }
}

export const validateChat = bodyValidator<ChatCompletionRequest>(chatRequestSchema, streamOptionsNeedStream);
export const validateEmbeddings = bodyValidator<EmbeddingRequest>(embeddingRequestSchema);
export const validateCompletion = bodyValidator<CompletionRequest>(completionRequestSchema, streamOptionsNeedStream);
export const validateModeration = bodyValidator<ModerationRequest>(moderationRequestSchema);
export const validateRerank = bodyValidator<RerankRequest>(rerankRequestSchema);
