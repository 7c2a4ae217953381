import { describe, expect, it } from 'vitest';
import { ApiError, AuthenticationError, BadRequestError, NotFoundError, PayloadTooLargeError, PermissionDeniedError, RateLimitError } from '@tollgate/core';
import { anthropicToOpenAI, JSON_TOOL_NAME, mapAnthropicError, mapStopReason, toOpenAIUsage } from '../src/index.js';

const message = (content: unknown[], extra: Record<string, unknown> = {}) => ({
  id: 'msg_01',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content,
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 5 },
  ...extra,
});

describe('anthropicToOpenAI', () => {
  it('maps a text answer', () => {
    const r = anthropicToOpenAI(message([{ type: 'text', text: 'Hello' }, { type: 'text', text: ' there' }]));
    expect(r).toMatchObject({
      id: 'msg_01',
      object: 'chat.completion',
      model: 'claude-sonnet-4-5-20250929',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there' }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
    expect(typeof r.created).toBe('number');
  });

  it('maps tool_use blocks to tool_calls with JSON arguments', () => {
    const r = anthropicToOpenAI(
      message(
        [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} },
        ],
        { stop_reason: 'tool_use' },
      ),
    );
    const m = r.choices[0].message;
    expect(m.content).toBe('Checking.');
    expect(m.tool_calls).toEqual([
      { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'toolu_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
    ]);
    expect(r.choices[0].finish_reason).toBe('tool_calls');
  });

  it('keeps thinking as reasoning_content and thinking_blocks (with signatures and redacted data)', () => {
    const r = anthropicToOpenAI(
      message([
        { type: 'thinking', thinking: 'step 1. ', signature: 'sigA' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'thinking', thinking: 'step 2.', signature: 'sigB' },
        { type: 'text', text: 'Answer' },
      ]),
    );
    const m = r.choices[0].message;
    expect(m.reasoning_content).toBe('step 1. step 2.');
    expect(m.thinking_blocks).toEqual([
      { type: 'thinking', thinking: 'step 1. ', signature: 'sigA' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'thinking', thinking: 'step 2.', signature: 'sigB' },
    ]);
    expect(m.content).toBe('Answer');
  });

  it('json mode: the JSON tool input is the content and the finish is stop', () => {
    const body = message([{ type: 'tool_use', id: 't', name: JSON_TOOL_NAME, input: { answer: 'yes' } }], { stop_reason: 'tool_use' });
    const r = anthropicToOpenAI(body, { jsonMode: { wrapped: false } });
    expect(r.choices[0].message.content).toBe('{"answer":"yes"}');
    expect(r.choices[0].message.tool_calls).toBeUndefined();
    expect(r.choices[0].finish_reason).toBe('stop');
    const wrapped = anthropicToOpenAI(message([{ type: 'tool_use', id: 't', name: JSON_TOOL_NAME, input: { values: [1, 2] } }], { stop_reason: 'tool_use' }), { jsonMode: { wrapped: true } });
    expect(wrapped.choices[0].message.content).toBe('[1,2]');
    // Without json mode the same block is an ordinary tool call.
    expect(anthropicToOpenAI(body).choices[0].message.tool_calls).toHaveLength(1);
  });

  it('refuses a body that is not a message', () => {
    expect(() => anthropicToOpenAI({ foo: 1 })).toThrowError(/without content/);
  });
});

describe('finish reasons', () => {
  it.each([
    ['end_turn', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['refusal', 'content_filter'],
    ['model_context_window_exceeded', 'length'],
    [null, 'stop'],
  ] as const)('%s -> %s', (from, to) => {
    expect(mapStopReason(from)).toBe(to);
  });
});

describe('usage', () => {
  it('counts cached input into prompt_tokens, as LiteLLM does', () => {
    expect(toOpenAIUsage({ input_tokens: 10, output_tokens: 7, cache_read_input_tokens: 100, cache_creation_input_tokens: 50 })).toEqual({
      prompt_tokens: 160,
      completion_tokens: 7,
      total_tokens: 167,
      prompt_tokens_details: { cached_tokens: 100, cache_creation_tokens: 50 },
    });
  });

  it('treats null cache counters as 0', () => {
    expect(toOpenAIUsage({ input_tokens: 3, output_tokens: 1, cache_read_input_tokens: null, cache_creation_input_tokens: null })).toMatchObject({
      prompt_tokens: 3,
      total_tokens: 4,
      prompt_tokens_details: { cached_tokens: 0, cache_creation_tokens: 0 },
    });
  });
});

describe('mapAnthropicError', () => {
  const err = (status: number, type: string, message: string, headers: Record<string, string> = {}) =>
    mapAnthropicError({ status, headers, body: JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_1' }) });

  it('overloaded_error (529) -> retryable 503 ApiError', () => {
    const e = err(529, 'overloaded_error', 'Overloaded');
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(503);
    expect(e.retryable).toBe(true);
    expect(e.upstreamStatus).toBe(529);
    expect(e.message).toBe('anthropic: Overloaded');
  });

  it('rate_limit_error -> 429 with retry-after', () => {
    const e = err(429, 'rate_limit_error', 'slow down', { 'retry-after': '7' });
    expect(e).toBeInstanceOf(RateLimitError);
    expect(e.retryAfter).toBe(7);
    expect(e.retryable).toBe(true);
  });

  it.each([
    [400, 'invalid_request_error', BadRequestError, 400, false],
    [401, 'authentication_error', AuthenticationError, 401, false],
    [403, 'permission_error', PermissionDeniedError, 403, false],
    [404, 'not_found_error', NotFoundError, 404, false],
    [413, 'request_too_large', PayloadTooLargeError, 413, false],
    [500, 'api_error', ApiError, 500, true],
  ] as const)('%d %s -> %s', (status, type, cls, expected, retryable) => {
    const e = err(status, type, 'msg');
    expect(e).toBeInstanceOf(cls);
    expect(e.status).toBe(expected);
    expect(e.retryable).toBe(retryable);
  });

  it('gives non-JSON bodies a generic message and never echoes them', () => {
    const e = mapAnthropicError({ status: 502, headers: {}, body: '<html>bad gateway sk-ant-secret</html>' });
    expect(e.message).toBe('Upstream anthropic answered HTTP 502.');
    expect(e.retryable).toBe(true);
  });
});
