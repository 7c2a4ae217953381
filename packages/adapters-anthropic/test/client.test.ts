import { describe, expect, it } from 'vitest';
import { BadRequestError, type ChatCompletion, type ChatCompletionChunk, GatewayError, ApiError, RateLimitError } from '@tollgate/core';
import { AnthropicEventEncoder, anthropicErrorBody, anthropicRequestToCanonical, canonicalToAnthropicMessage, estimateAnthropicInputTokens } from '../src/index.js';

const base = { model: 'claude', max_tokens: 100 };

describe('anthropicRequestToCanonical', () => {
  it('maps system, sampling, stop_sequences, metadata, thinking and stream', () => {
    const { request } = anthropicRequestToCanonical({
      ...base,
      system: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 5,
      stop_sequences: ['END'],
      metadata: { user_id: 'u' },
      thinking: { type: 'enabled', budget_tokens: 2000 },
      stream: true,
    });
    expect(request).toEqual({
      model: 'claude',
      max_tokens: 100,
      messages: [{ role: 'system', content: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }] }, { role: 'user', content: 'hi' }],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 5,
      stop: ['END'],
      user: 'u',
      thinking: { type: 'enabled', budget_tokens: 2000 },
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('maps images, documents, tool_use, tool_result and thinking blocks', () => {
    const { request } = anthropicRequestToCanonical({
      ...base,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'see' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
            { type: 'image', source: { type: 'url', url: 'https://x/y.png' } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' }, title: 'doc.pdf' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hmm', signature: 'sig' },
            { type: 'redacted_thinking', data: 'opaque' },
            { type: 'text', text: 'calling' },
            { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'r1' }] }, { type: 'text', text: 'and?' }] },
      ],
    });
    expect(request.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'see' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          { type: 'image_url', image_url: { url: 'https://x/y.png' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBE', filename: 'doc.pdf' } },
        ],
      },
      {
        role: 'assistant',
        content: 'calling',
        tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
        thinking_blocks: [{ type: 'thinking', thinking: 'hmm', signature: 'sig' }, { type: 'redacted_thinking', data: 'opaque' }],
        reasoning_content: 'hmm',
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: [{ type: 'text', text: 'r1' }] },
      { role: 'user', content: [{ type: 'text', text: 'and?' }] },
    ]);
  });

  it('maps tools and every tool_choice', () => {
    const tools = [{ name: 'f', description: 'd', input_schema: { type: 'object', properties: {} }, cache_control: { type: 'ephemeral' } }];
    const t = (tool_choice: unknown) => anthropicRequestToCanonical({ ...base, messages: [{ role: 'user', content: 'x' }], tools, tool_choice }).request;
    expect(t({ type: 'auto' }).tools).toEqual([{ type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object', properties: {} } }, cache_control: { type: 'ephemeral' } }]);
    expect(t({ type: 'auto' }).tool_choice).toBe('auto');
    expect(t({ type: 'any' }).tool_choice).toBe('required');
    expect(t({ type: 'none' }).tool_choice).toBe('none');
    expect(t({ type: 'tool', name: 'f' }).tool_choice).toEqual({ type: 'function', function: { name: 'f' } });
    expect(t({ type: 'auto', disable_parallel_tool_use: true }).parallel_tool_calls).toBe(false);
  });

  it('maps output_config.format to response_format; pass-through-only fields give warnings', () => {
    const { request, warnings } = anthropicRequestToCanonical({ ...base, messages: [{ role: 'user', content: 'x' }], output_config: { format: { type: 'json_schema', schema: { type: 'object' } } }, container: 'c' });
    expect(request.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'output', schema: { type: 'object' } } });
    expect(warnings).toEqual(["'container' only reaches an Anthropic upstream in pass-through"]);
  });

  it.each([
    [{ messages: [{ role: 'user', content: 'x' }], model: 'm' }, 'max_tokens: Field required'],
    [{ ...base, messages: [] }, 'messages: at least one message is required'],
    [{ ...base, messages: [{ role: 'system', content: 'x' }] }, /Unexpected role "system"/],
    [{ ...base, messages: [{ role: 'user', content: 'x' }], frequency_penalty: 1 }, 'frequency_penalty: Extra inputs are not permitted'],
    [{ ...base, messages: [{ role: 'user', content: [{ type: 'search_result' }] }] }, /'search_result' blocks are not supported/],
  ])('refuses %j', (body, message) => {
    expect(() => anthropicRequestToCanonical(body)).toThrowError(BadRequestError);
    expect(() => anthropicRequestToCanonical(body)).toThrowError(message);
  });

  it('count_tokens does not need max_tokens; the estimate is ceil(chars / 4)', () => {
    const body = { model: 'm', system: 'abcd', messages: [{ role: 'user', content: 'efgh' }], tools: [{ name: 'ab', input_schema: {} }] };
    expect(() => anthropicRequestToCanonical(body, true)).not.toThrow();
    expect(estimateAnthropicInputTokens(body)).toBe(Math.ceil((4 + 4 + 2 + 2) / 4));
  });
});

describe('canonicalToAnthropicMessage', () => {
  const completion = (message: Record<string, unknown>, finish: string, usage?: Record<string, unknown>): ChatCompletion =>
    ({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finish, logprobs: null }], usage }) as ChatCompletion;

  it('orders thinking, text, tool_use; maps stop reason and cache usage back', () => {
    const m = canonicalToAnthropicMessage(
      completion(
        {
          content: 'ok',
          thinking_blocks: [{ type: 'thinking', thinking: 't', signature: 's' }],
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"x":2}' } }],
        },
        'tool_calls',
        { prompt_tokens: 100, completion_tokens: 5, total_tokens: 105, prompt_tokens_details: { cached_tokens: 60, cache_creation_tokens: 30 } },
      ),
    );
    expect(m).toEqual({
      id: 'msg_chatcmpl-1',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4o',
      content: [{ type: 'thinking', thinking: 't', signature: 's' }, { type: 'text', text: 'ok' }, { type: 'tool_use', id: 'call_1', name: 'f', input: { x: 2 } }],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 60, cache_creation_input_tokens: 30 },
    });
  });

  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['content_filter', 'refusal'],
  ])('finish %s -> stop_reason %s', (finish, stop) => {
    expect(canonicalToAnthropicMessage(completion({ content: 'x' }, finish)).stop_reason).toBe(stop);
  });
});

/** Parse framed events back into objects. */
const parse = (sse: string) =>
  sse.trim().split('\n\n').filter(Boolean).map((block) => {
    const [ev, data] = block.split('\n');
    const parsed = JSON.parse(data.slice('data: '.length));
    expect(ev).toBe(`event: ${parsed.type}`);
    return parsed;
  });

describe('AnthropicEventEncoder', () => {
  const base = { id: 'chatcmpl-9', object: 'chat.completion.chunk' as const, created: 1, model: 'gpt-4o' };
  const chunk = (delta: ChatCompletionChunk['choices'][number]['delta'], finish: ChatCompletionChunk['choices'][number]['finish_reason'] = null): ChatCompletionChunk => ({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] });

  it('encodes thinking, text and two tool calls with block indices in opening order', () => {
    const enc = new AnthropicEventEncoder('claude');
    const chunks: ChatCompletionChunk[] = [
      chunk({ role: 'assistant', content: '' }),
      chunk({ reasoning_content: 'Let me ' }),
      chunk({ reasoning_content: 'see.' }),
      chunk({ thinking_blocks: [{ type: 'thinking', thinking: 'Let me see.', signature: 'SIG' }] }),
      chunk({ content: 'Calling.' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'a', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'b', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
      { ...base, choices: [], usage: { prompt_tokens: 50, completion_tokens: 9, total_tokens: 59, prompt_tokens_details: { cached_tokens: 20 } } },
    ];
    const events = parse(chunks.map((c) => enc.encode(c)).join('') + enc.finish());
    expect(events.map((e) => [e.type, e.index ?? null, e.delta?.type ?? e.content_block?.type ?? null])).toEqual([
      ['message_start', null, null],
      ['content_block_start', 0, 'thinking'],
      ['content_block_delta', 0, 'thinking_delta'],
      ['content_block_delta', 0, 'thinking_delta'],
      ['content_block_delta', 0, 'signature_delta'],
      ['content_block_stop', 0, null],
      ['content_block_start', 1, 'text'],
      ['content_block_delta', 1, 'text_delta'],
      ['content_block_stop', 1, null],
      ['content_block_start', 2, 'tool_use'],
      ['content_block_delta', 2, 'input_json_delta'],
      ['content_block_delta', 2, 'input_json_delta'],
      ['content_block_stop', 2, null],
      ['content_block_start', 3, 'tool_use'],
      ['content_block_delta', 3, 'input_json_delta'],
      ['content_block_stop', 3, null],
      ['message_delta', null, null],
      ['message_stop', null, null],
    ]);
    expect(events[0].message).toMatchObject({ id: 'msg_chatcmpl-9', type: 'message', role: 'assistant', model: 'gpt-4o', content: [] });
    expect(events[4].delta).toEqual({ type: 'signature_delta', signature: 'SIG' });
    expect(events[9].content_block).toEqual({ type: 'tool_use', id: 'call_a', name: 'a', input: {} });
    expect(events[16]).toEqual({ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { input_tokens: 30, output_tokens: 9, cache_creation_input_tokens: 0, cache_read_input_tokens: 20 } });
  });

  it('a tool call whose fragments repeat the id stays one block', () => {
    const enc = new AnthropicEventEncoder('m');
    const out = [
      chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a"' } }] }),
      chunk({ tool_calls: [{ index: 0, id: 'call_1', function: { arguments: ':1}' } }] }),
    ].map((c) => enc.encode(c)).join('');
    const events = parse(out + enc.finish());
    expect(events.filter((e) => e.type === 'content_block_start')).toHaveLength(1);
    expect(events.filter((e) => e.delta?.type === 'input_json_delta').map((e) => e.delta.partial_json).join('')).toBe('{"a":1}');
  });

  it('redacted thinking becomes its own block; an empty stream still opens and closes a message', () => {
    const enc = new AnthropicEventEncoder('claude');
    const events = parse(enc.encode(chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: 'x' }] })) + enc.finish());
    expect(events.map((e) => e.type)).toEqual(['message_start', 'content_block_start', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(events[1].content_block).toEqual({ type: 'redacted_thinking', data: 'x' });
    expect(parse(new AnthropicEventEncoder('m').finish()).map((e) => e.type)).toEqual(['message_start', 'message_delta', 'message_stop']);
  });

  it('a stream refused after a content_filter finish says stop_reason refusal, then the error event; one that never started, the error alone', () => {
    const enc = new AnthropicEventEncoder('claude');
    const refusal = new GatewayError(400, 'guardrail_violation', "Blocked by guardrail 'g': no.");
    const events = parse(enc.encode(chunk({ content: 'Safe text ' })) + enc.encode(chunk({}, 'content_filter')) + enc.fail(refusal));
    expect(events.map((e) => e.type)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'error']);
    expect(events[4].delta).toEqual({ stop_reason: 'refusal', stop_sequence: null });
    expect(events[5]).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: "Blocked by guardrail 'g': no." } });
    expect(parse(new AnthropicEventEncoder('m').fail(refusal)).map((e) => e.type)).toEqual(['error']);
  });
});

describe('anthropicErrorBody', () => {
  const body = (e: GatewayError) => anthropicErrorBody(e);
  it('maps statuses to Anthropic error types; an upstream 529 stays 529', () => {
    expect(body(new BadRequestError('x'))).toEqual({ status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'x' } } });
    expect(body(new RateLimitError('slow')).body.error.type).toBe('rate_limit_error');
    expect(body(new ApiError('o', { status: 503, upstreamStatus: 529 }))).toMatchObject({ status: 529, body: { error: { type: 'overloaded_error' } } });
    expect(body(new ApiError('boom', { status: 502 })).body.error.type).toBe('api_error');
  });
});
