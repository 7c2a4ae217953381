import { describe, expect, it } from 'vitest';
import { ApiError, BadRequestError, StreamAssembler, type ChatCompletionChunk, type FramedEvent } from '@tollgate/core';
import { AnthropicStreamParser, JSON_TOOL_NAME } from '../src/index.js';

const ev = (type: string, data: Record<string, unknown> = {}): FramedEvent => ({ event: type, data: JSON.stringify({ type, ...data }) });

/** A recorded-shape stream: thinking (with signature), text, two tool calls, ping, final usage. */
const RECORDED: FramedEvent[] = [
  ev('message_start', {
    message: {
      id: 'msg_stream1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content: [], stop_reason: null, stop_sequence: null,
      usage: { input_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 100, output_tokens: 1 },
    },
  }),
  ev('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
  ev('ping'),
  ev('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'Let me ' } }),
  ev('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'think.' } }),
  ev('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'EqSig==' } }),
  ev('content_block_stop', { index: 0 }),
  ev('content_block_start', { index: 1, content_block: { type: 'text', text: '' } }),
  ev('content_block_delta', { index: 1, delta: { type: 'text_delta', text: 'Checking ' } }),
  ev('content_block_delta', { index: 1, delta: { type: 'text_delta', text: 'both.' } }),
  ev('content_block_stop', { index: 1 }),
  ev('content_block_start', { index: 2, content_block: { type: 'tool_use', id: 'toolu_A', name: 'get_weather', input: {} } }),
  ev('content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: '' } }),
  ev('content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: '{"city":' } }),
  ev('content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: ' "Paris"}' } }),
  ev('content_block_stop', { index: 2 }),
  ev('content_block_start', { index: 3, content_block: { type: 'tool_use', id: 'toolu_B', name: 'get_time', input: {} } }),
  ev('content_block_delta', { index: 3, delta: { type: 'input_json_delta', partial_json: '{}' } }),
  ev('content_block_stop', { index: 3 }),
  ev('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 42 } }),
  ev('message_stop'),
];

function run(events: FramedEvent[], parser = new AnthropicStreamParser()): ChatCompletionChunk[] {
  const out: ChatCompletionChunk[] = [];
  for (const e of events) {
    const r = parser.event(e);
    if (r) out.push(...(Array.isArray(r) ? r : [r]));
  }
  return out;
}

describe('AnthropicStreamParser', () => {
  const chunks = run(RECORDED);

  it('emits valid OpenAI chunks, the first with role assistant', () => {
    for (const c of chunks) {
      expect(c).toMatchObject({ id: 'msg_stream1', object: 'chat.completion.chunk', model: 'claude-sonnet-4-5-20250929' });
      expect(typeof c.created).toBe('number');
    }
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
  });

  it('numbers tool calls from 0, not by Anthropic block index', () => {
    const heads = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).filter((t) => t.id);
    expect(heads).toEqual([
      { index: 0, id: 'toolu_A', type: 'function', function: { name: 'get_weather', arguments: '' } },
      { index: 1, id: 'toolu_B', type: 'function', function: { name: 'get_time', arguments: '' } },
    ]);
    const frags = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).filter((t) => !t.id);
    expect(frags).toEqual([
      { index: 0, function: { arguments: '{"city":' } },
      { index: 0, function: { arguments: ' "Paris"}' } },
      { index: 1, function: { arguments: '{}' } },
    ]);
  });

  it('streams thinking as reasoning_content and hands over the signed block once', () => {
    const reasoning = chunks.map((c) => c.choices[0]?.delta.reasoning_content).filter(Boolean);
    expect(reasoning).toEqual(['Let me ', 'think.']);
    const blocks = chunks.flatMap((c) => c.choices[0]?.delta.thinking_blocks ?? []);
    expect(blocks).toEqual([{ type: 'thinking', thinking: 'Let me think.', signature: 'EqSig==' }]);
  });

  it('ends with the finish chunk, then a choices: [] chunk with the full usage', () => {
    const [finish, last] = chunks.slice(-2);
    expect(finish.choices).toEqual([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]);
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({
      prompt_tokens: 120,
      completion_tokens: 42,
      total_tokens: 162,
      prompt_tokens_details: { cached_tokens: 100, cache_creation_tokens: 0 },
    });
  });

  it('assembles to the same answer a non-streamed call gives', () => {
    const a = new StreamAssembler();
    for (const c of chunks) a.add(c);
    const r = a.result();
    expect(r.choices[0].message).toEqual({
      role: 'assistant',
      content: 'Checking both.',
      reasoning_content: 'Let me think.',
      thinking_blocks: [{ type: 'thinking', thinking: 'Let me think.', signature: 'EqSig==' }],
      tool_calls: [
        { id: 'toolu_A', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } },
        { id: 'toolu_B', type: 'function', function: { name: 'get_time', arguments: '{}' } },
      ],
    });
  });

  it.each([
    ['end_turn', 'stop'],
    ['max_tokens', 'length'],
    ['stop_sequence', 'stop'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
  ] as const)('message_delta stop_reason %s -> finish_reason %s', (reason, finish) => {
    const out = run([ev('message_start', { message: { id: 'm', model: 'c', usage: { input_tokens: 1, output_tokens: 1 } } }), ev('message_delta', { delta: { stop_reason: reason }, usage: { output_tokens: 3 } })]);
    expect(out[1].choices[0].finish_reason).toBe(finish);
  });

  it('takes cumulative counters from message_delta when present', () => {
    const out = run([
      ev('message_start', { message: { id: 'm', model: 'c', usage: { input_tokens: 5, output_tokens: 1 } } }),
      ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 9, input_tokens: 6, cache_read_input_tokens: 4 } }),
      ev('message_stop'),
    ]);
    expect(out[2].usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 9, prompt_tokens_details: { cached_tokens: 4 } });
  });

  it('passes redacted thinking on as a thinking_blocks entry', () => {
    const out = run([ev('content_block_start', { index: 0, content_block: { type: 'redacted_thinking', data: 'opaque' } })]);
    expect(out[0].choices[0].delta.thinking_blocks).toEqual([{ type: 'redacted_thinking', data: 'opaque' }]);
  });

  it('json mode: the JSON tool streams as content and finishes with stop', () => {
    const parser = new AnthropicStreamParser({ jsonMode: { wrapped: false } });
    const out = run(
      [
        ev('message_start', { message: { id: 'm', model: 'c', usage: { input_tokens: 1, output_tokens: 1 } } }),
        ev('content_block_start', { index: 0, content_block: { type: 'tool_use', id: 't', name: JSON_TOOL_NAME, input: {} } }),
        ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{"a":' } }),
        ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '1}' } }),
        ev('content_block_stop', { index: 0 }),
        ev('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 3 } }),
      ],
      parser,
    );
    expect(out.map((c) => c.choices[0]?.delta.content).filter(Boolean).join('')).toBe('{"a":1}');
    expect(out.some((c) => c.choices[0]?.delta.tool_calls)).toBe(false);
    expect(out[out.length - 1].choices[0].finish_reason).toBe('stop');
  });

  it('ignores ping and unknown events', () => {
    expect(run([ev('ping'), ev('content_block_delta', { index: 0, delta: { type: 'citations_delta', citation: {} } }), { data: '{"type":"future_event"}' }])).toEqual([]);
  });

  it('throws the mapped error for an error event', () => {
    const p = new AnthropicStreamParser();
    const overloaded = { event: 'error', data: JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }) };
    expect(() => p.event(overloaded)).toThrowError(ApiError);
    try {
      p.event(overloaded);
    } catch (e) {
      expect((e as ApiError).status).toBe(503);
      expect((e as ApiError).retryable).toBe(true);
    }
    const invalid = { event: 'error', data: JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'bad' } }) };
    expect(() => new AnthropicStreamParser().event(invalid)).toThrowError(BadRequestError);
  });

  it('refuses a malformed event', () => {
    expect(() => new AnthropicStreamParser().event({ event: 'content_block_delta', data: '{"type":' })).toThrowError(/malformed/);
  });
});
