import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  BadRequestError,
  Gateway,
  RateLimitError,
  StreamAssembler,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type ChatMessage,
} from '@tollgate/core';
import anthropicPlugin from '../src/index.js';
import { startMockAnthropic, type MockAnthropicServer } from '../../testing/src/anthropic-mock.js';

let mock: MockAnthropicServer;
let gateway: Gateway;

const WEATHER = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const TIME = { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: {} } } };

beforeAll(async () => {
  mock = await startMockAnthropic();
  gateway = new Gateway({
    config: {
      model_list: [{ model_name: 'claude', params: { model: 'anthropic/claude-sonnet-4-5', api_base: mock.url, api_key: 'test-key' } }],
      settings: { log_level: 'silent' },
    },
  });
  await gateway.use(anthropicPlugin);
  await gateway.start();
});
afterAll(async () => {
  await gateway.close(1000);
  await mock.close();
});

const lastRequest = () => mock.requests[mock.requests.length - 1];
const chat = (r: Partial<ChatCompletionRequest>) => gateway.chat({ model: 'claude', messages: [{ role: 'user', content: 'hello' }], ...r, stream: false });
async function stream(r: Partial<ChatCompletionRequest>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const c of await gateway.chat({ model: 'claude', messages: [{ role: 'user', content: 'hello' }], ...r, stream: true })) out.push(c);
  return out;
}
const assemble = (chunks: ChatCompletionChunk[]): ChatCompletion => {
  const a = new StreamAssembler();
  for (const c of chunks) a.add(c);
  return a.result();
};

describe('Anthropic adapter through a Gateway (strict mock upstream)', () => {
  it('non-stream text: translated request, answer and usage', async () => {
    const r = await chat({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello' }], temperature: 0.3, user: 'u1' });
    expect(r.choices[0].message.content).toBe('echo: hello');
    expect(r.choices[0].finish_reason).toBe('stop');
    expect(r.usage).toMatchObject({ completion_tokens: 3, total_tokens: r.usage!.prompt_tokens + 3 });
    const sent = lastRequest();
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe('test-key');
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [{ role: 'user', content: 'hello' }],
      system: [{ type: 'text', text: 'Be brief.' }],
      metadata: { user_id: 'u1' },
      temperature: 0.3,
    });
  });

  it('stream: role first, text deltas, finish, usage chunk when asked', async () => {
    const chunks = await stream({ stream_options: { include_usage: true } });
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ completion_tokens: 3 });
    const r = assemble(chunks);
    expect(r.choices[0].message.content).toBe('echo: hello');
    expect(r.choices[0].finish_reason).toBe('stop');
    expect(lastRequest().body.stream).toBe(true);
  });

  it('stream without include_usage has no usage chunk', async () => {
    const chunks = await stream({});
    expect(chunks.every((c) => c.usage === undefined && c.choices.length === 1)).toBe(true);
  });

  it('tools round trip, non-stream: tool_use -> tool_calls, tool results -> tool_result', async () => {
    const first = await chat({ tools: [WEATHER], messages: [{ role: 'user', content: 'Paris? call tool' }] });
    const m = first.choices[0].message;
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(m.content).toBe("I'll call get_weather.");
    expect(m.tool_calls).toHaveLength(1);
    expect(JSON.parse(m.tool_calls![0].function.arguments)).toEqual({ city: 'Paris? call tool' });
    const second = await chat({
      tools: [WEATHER],
      messages: [
        { role: 'user', content: 'Paris? call tool' },
        { role: 'assistant', content: m.content, tool_calls: m.tool_calls },
        { role: 'tool', tool_call_id: m.tool_calls![0].id, content: 'sunny, 21C' },
      ],
    });
    expect(second.choices[0].message.content).toBe('tool said: sunny, 21C');
    expect(lastRequest().body.messages[2]).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: m.tool_calls![0].id, content: 'sunny, 21C' }] });
  });

  it('parallel tool calls stream with tool indices 0 and 1 (not Anthropic block indices)', async () => {
    const chunks = await stream({ tools: [WEATHER, TIME], messages: [{ role: 'user', content: 'call tools' }] });
    const heads = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).filter((t) => t.id);
    expect(heads.map((t) => [t.index, t.function?.name])).toEqual([[0, 'get_weather'], [1, 'get_time']]);
    const r = assemble(chunks);
    expect(r.choices[0].finish_reason).toBe('tool_calls');
    expect(r.choices[0].message.tool_calls!.map((t) => JSON.parse(t.function.arguments))).toEqual([{ city: 'call tools' }, { echo: 'call tools' }]);
    // Two results of one step go back as one user turn.
    const calls = r.choices[0].message.tool_calls!;
    const next = await chat({
      tools: [WEATHER, TIME],
      messages: [
        { role: 'user', content: 'call tools' },
        { role: 'assistant', content: r.choices[0].message.content, tool_calls: calls },
        { role: 'tool', tool_call_id: calls[0].id, content: 'sunny' },
        { role: 'tool', tool_call_id: calls[1].id, content: 'noon' },
      ],
    });
    expect(next.choices[0].message.content).toBe('tool said: sunny | noon');
  });

  it('parallel_tool_calls: false reaches Anthropic as disable_parallel_tool_use', async () => {
    const r = await chat({ tools: [WEATHER, TIME], parallel_tool_calls: false, messages: [{ role: 'user', content: 'call tools' }] });
    expect(r.choices[0].message.tool_calls).toHaveLength(1);
    expect(lastRequest().body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
  });

  it('thinking over several turns with tools: signatures go back and the strict mock accepts them', async () => {
    const first = await chat({ reasoning_effort: 'low', tools: [WEATHER], messages: [{ role: 'user', content: 'Weather in Oslo? call tool' }] });
    const m = first.choices[0].message;
    expect(m.reasoning_content).toContain('Let me think');
    expect(m.thinking_blocks).toHaveLength(1);
    expect(mock.issued.has(m.thinking_blocks![0].signature!)).toBe(true);
    const history: ChatMessage[] = [
      { role: 'user', content: 'Weather in Oslo? call tool' },
      { role: 'assistant', content: m.content, tool_calls: m.tool_calls, thinking_blocks: m.thinking_blocks, reasoning_content: m.reasoning_content },
      { role: 'tool', tool_call_id: m.tool_calls![0].id, content: 'snow' },
    ];
    const second = await chat({ reasoning_effort: 'low', tools: [WEATHER], messages: history });
    expect(second.choices[0].message.content).toBe('tool said: snow');
    expect(lastRequest().body.messages[1].content[0]).toEqual(m.thinking_blocks![0]);
    // A client that drops the thinking blocks gets Anthropic's 400.
    const lost = history.map((h) => (h.role === 'assistant' ? { ...h, thinking_blocks: undefined } : h));
    await expect(chat({ reasoning_effort: 'low', tools: [WEATHER], messages: lost })).rejects.toThrowError(BadRequestError);
  });

  it('thinking streamed: reasoning deltas and a signed thinking block that works on the next turn', async () => {
    const chunks = await stream({ reasoning_effort: 'medium', tools: [WEATHER], messages: [{ role: 'user', content: 'Rome? call tool' }] });
    const r = assemble(chunks);
    const m = r.choices[0].message;
    expect(m.thinking_blocks).toEqual([{ type: 'thinking', thinking: m.reasoning_content, signature: expect.stringMatching(/^EqMock/) }]);
    expect(lastRequest().body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    const next = await stream({
      reasoning_effort: 'medium',
      tools: [WEATHER],
      messages: [
        { role: 'user', content: 'Rome? call tool' },
        { role: 'assistant', content: m.content, tool_calls: m.tool_calls, thinking_blocks: m.thinking_blocks },
        { role: 'tool', tool_call_id: m.tool_calls![0].id, content: 'warm' },
      ],
    });
    expect(assemble(next).choices[0].message.content).toBe('tool said: warm');
  });

  it('response_format json_schema: forced tool, content is the JSON, streamed too', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' }, score: { type: 'number' } }, required: ['answer'] };
    const response_format = { type: 'json_schema' as const, json_schema: { name: 'result', schema } };
    const r = await chat({ response_format });
    expect(r.choices[0].finish_reason).toBe('stop');
    expect(JSON.parse(r.choices[0].message.content!)).toEqual({ answer: 'hello', score: 1 });
    expect(lastRequest().body.tool_choice).toEqual({ type: 'tool', name: 'json_tool_call' });
    const s = assemble(await stream({ response_format }));
    expect(JSON.parse(s.choices[0].message.content!)).toEqual({ answer: 'hello', score: 1 });
    expect(s.choices[0].finish_reason).toBe('stop');
    expect(s.choices[0].message.tool_calls).toBeUndefined();
  });

  it('prompt caching: cache_control passes through, cached tokens are reported', async () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: [{ type: 'text', text: 'Reference manual. '.repeat(80), cache_control: { type: 'ephemeral' } }] },
      { role: 'user', content: 'hello' },
    ];
    const a = await chat({ messages });
    const b = await chat({ messages });
    expect(lastRequest().body.system[0].cache_control).toEqual({ type: 'ephemeral' });
    expect(a.usage!.prompt_tokens_details).toMatchObject({ cached_tokens: 0 });
    expect(a.usage!.prompt_tokens_details!.cache_creation_tokens).toBeGreaterThan(0);
    expect(b.usage!.prompt_tokens_details!.cached_tokens).toBe(a.usage!.prompt_tokens_details!.cache_creation_tokens);
    expect(b.usage!.prompt_tokens).toBe(a.usage!.prompt_tokens);
  });

  it('finish reasons: max_tokens -> length, stop_sequence -> stop, refusal -> content_filter', async () => {
    expect((await chat({ max_tokens: 1 })).choices[0].finish_reason).toBe('length');
    const s = await chat({ stop: ['llo'] });
    expect(s.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'echo: he' } });
    expect((await chat({ messages: [{ role: 'user', content: 'refuse me' }] })).choices[0].finish_reason).toBe('content_filter');
  });

  it('images and PDFs pass the strict mock', async () => {
    const pdf = Buffer.from('%PDF-1.4 test').toString('base64');
    const r = await chat({
      messages: [{
        role: 'user',
        content: [
          { type: 'text', text: 'describe' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'file', file: { file_data: `data:application/pdf;base64,${pdf}` } },
        ],
      }],
    });
    expect(r.choices[0].message.content).toBe('echo: describe');
  });

  it('unsupported params: 400 naming them', async () => {
    await expect(chat({ logit_bias: { '50256': -100 } })).rejects.toThrowError(/does not support the parameter 'logit_bias'/);
    await expect(chat({ n: 2 })).rejects.toThrowError(/'n'/);
  });

  it('errors: 529 -> retryable 503, 429 keeps retry-after, mid-stream error event ends the stream with an error', async () => {
    mock.setNext({ kind: 'status', status: 529 });
    const overloaded = await chat({}).catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(ApiError);
    expect((overloaded as ApiError).status).toBe(503);
    mock.setNext({ kind: 'status', status: 429, headers: { 'retry-after': '3' } });
    const limited = await chat({}).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).retryAfter).toBe(3);
    mock.setNext({ kind: 'stream-error', afterChunks: 4 });
    const got: ChatCompletionChunk[] = [];
    const err = await (async () => {
      for await (const c of await gateway.chat({ model: 'claude', messages: [{ role: 'user', content: 'hello' }], stream: true })) got.push(c);
    })().catch((e: unknown) => e);
    expect(got.length).toBeGreaterThan(0);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toBe('anthropic: Overloaded');
  });

  it('a stream cut before message_delta is an error, never a silent end', async () => {
    mock.setNext({ kind: 'cut', afterChunks: 3 });
    const err = await (async () => {
      for await (const _ of await gateway.chat({ model: 'claude', messages: [{ role: 'user', content: 'hello' }], stream: true })) { /* drain */ }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
  });
});
