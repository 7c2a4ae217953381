import { describe, expect, it } from 'vitest';
import { ApiError, type FinishReason } from '@tollgate/core';
import {
  ERROR_TYPE_STATUS,
  anthropicErrorBody,
  anthropicRequestToCanonical,
  buildAnthropicBody,
  errorTypeOf,
  mapAnthropicError,
  mapStopReason,
  stopReasonOf,
  toAnthropicUsage,
  toOpenAIUsage,
  type StopReason as AnthropicStopReason,
} from '../src/index.js';

/**
 * The format module holds both directions; these tests hold them to each other: what an Anthropic
 * client sends, translated to the canonical request and built back into an Anthropic body, is what
 * it sent.
 */
const roundTrip = (body: Record<string, unknown>) => buildAnthropicBody(anthropicRequestToCanonical(body).request, { model: body.model as string }, null).body;

describe('an Anthropic client body survives canonical and back', () => {
  it('content blocks: text, images (base64, url), documents (PDF, text, url), cache_control', () => {
    const messages = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look', cache_control: { type: 'ephemeral' } },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' } },
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain words, ünïcode' } },
          { type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' }, cache_control: { type: 'ephemeral', ttl: '1h' } },
        ],
      },
    ];
    expect(roundTrip({ model: 'claude', max_tokens: 10, messages }).messages).toEqual(messages);
  });

  it('tool_use, tool_result, signed thinking and redacted thinking', () => {
    const messages = [
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'need a tool', signature: 'sig' },
          { type: 'redacted_thinking', data: 'opaque' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'sunny' }] }] },
    ];
    const tools = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }];
    const body = roundTrip({ model: 'claude', max_tokens: 2000, messages, tools, thinking: { type: 'enabled', budget_tokens: 1024 } });
    expect(body.messages).toEqual(messages);
    expect(body.tools).toEqual(tools);
  });

  it.each([
    [{ type: 'auto' }],
    [{ type: 'any' }],
    [{ type: 'none' }],
    [{ type: 'tool', name: 'f' }],
    [{ type: 'auto', disable_parallel_tool_use: true }],
    [{ type: 'any', disable_parallel_tool_use: true }],
  ])('tool_choice %j', (tool_choice) => {
    const tools = [{ name: 'f', input_schema: { type: 'object', properties: {} } }];
    expect(roundTrip({ model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'x' }], tools, tool_choice }).tool_choice).toEqual(tool_choice);
  });

  it('system blocks, stop_sequences, sampling and metadata.user_id', () => {
    const body = { model: 'claude', max_tokens: 10, system: [{ type: 'text', text: 'be brief', cache_control: { type: 'ephemeral' } }], stop_sequences: ['END'], temperature: 0.3, top_k: 5, metadata: { user_id: 'u-1' }, messages: [{ role: 'user', content: 'x' }] };
    expect(roundTrip(body)).toEqual(body);
  });
});

describe('the tables read both ways', () => {
  it('every stop_reason maps to a finish_reason whose own stop_reason maps back to it', () => {
    const all: AnthropicStopReason[] = ['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'refusal', 'model_context_window_exceeded'];
    for (const stop of all) expect(mapStopReason(stopReasonOf(mapStopReason(stop)))).toBe(mapStopReason(stop));
    expect(all.map((s) => stopReasonOf(mapStopReason(s)))).toEqual(['end_turn', 'max_tokens', 'end_turn', 'tool_use', 'end_turn', 'refusal', 'max_tokens']);
    expect(stopReasonOf('function_call' as FinishReason)).toBe('tool_use');
    expect([mapStopReason(null), mapStopReason('constructor'), stopReasonOf(null)]).toEqual(['stop', 'stop', 'end_turn']);
  });

  it('usage: cached input counted apart for Anthropic and inside prompt_tokens for OpenAI', () => {
    const u = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 30, cache_read_input_tokens: 60 };
    expect(toOpenAIUsage(u)).toEqual({ prompt_tokens: 100, completion_tokens: 5, total_tokens: 105, prompt_tokens_details: { cached_tokens: 60, cache_creation_tokens: 30 } });
    expect(toAnthropicUsage(toOpenAIUsage(u))).toEqual(u);
  });

  it('error types and statuses: each documented pair both ways, undocumented statuses the nearest type', () => {
    for (const [type, status] of Object.entries(ERROR_TYPE_STATUS)) expect(errorTypeOf(status)).toBe(type);
    expect([408, 422, 409, 502, 503].map(errorTypeOf)).toEqual(['timeout_error', 'invalid_request_error', 'invalid_request_error', 'api_error', 'api_error']);
  });

  it('an upstream 529 is a 503 to OpenAI clients and a 529 overloaded_error to Anthropic clients', () => {
    const e = mapAnthropicError({ status: 529, headers: {}, body: JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }) });
    expect(e.status).toBe(503);
    expect(anthropicErrorBody(e)).toEqual({ status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'anthropic: Overloaded' } } });
    expect(anthropicErrorBody(new ApiError('busy', { status: 503 })).status).toBe(503);
  });
});
