import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway, StreamAssembler, type ChatCompletion, type ChatCompletionChunk, type ChatCompletionRequest, type GatewayError } from '@tollgate/core';
import coherePlugin from '../src/index.js';
import { startMockCohere, type MockCohereServer } from '../../testing/src/cohere-mock.js';

const KEY = 'co-real-upstream-key-0123456789';
let mock: MockCohereServer;
let gateway: Gateway;

const WEATHER = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const TIME = { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: {} } } };

beforeAll(async () => {
  mock = await startMockCohere({ apiKey: KEY, models: ['command-a-03-2025', 'embed-v4.0'] });
  gateway = new Gateway({
    config: {
      model_list: [
        { model_name: 'command', params: { model: 'cohere_chat/command-a-03-2025', api_base: mock.url, api_key: KEY } },
        { model_name: 'command-v2', params: { model: 'cohere/v2/command-a-03-2025', api_base: `${mock.url}/v2/chat`, api_key: KEY } },
        { model_name: 'embed', params: { model: 'cohere/embed-v4.0', api_base: mock.url, api_key: KEY } },
      ],
      settings: { log_level: 'silent' },
    },
  });
  await gateway.use(coherePlugin);
  await gateway.start();
});
afterAll(async () => {
  await gateway.close(1000);
  await mock.close();
});

const last = () => mock.requests[mock.requests.length - 1];
const chat = (r: Partial<ChatCompletionRequest>) => gateway.chat({ model: 'command', messages: [{ role: 'user', content: 'hello' }], ...r, stream: false });
async function stream(r: Partial<ChatCompletionRequest>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const c of await gateway.chat({ model: 'command', messages: [{ role: 'user', content: 'hello' }], ...r, stream: true })) out.push(c);
  return out;
}
const assemble = (chunks: ChatCompletionChunk[]): ChatCompletion => {
  const a = new StreamAssembler();
  for (const c of chunks) a.add(c);
  return a.result();
};

describe('Cohere adapter through a Gateway (strict mock upstream)', () => {
  it('sends a translated /v2/chat request with Bearer auth and maps the answer and usage', async () => {
    const r = await chat({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello' }], temperature: 0.2, max_tokens: 50, user: 'u1' });
    expect(r.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant', content: 'echo: hello' } });
    expect(r.model).toBe('command-a-03-2025');
    const sent = last();
    expect(sent.path).toBe('/v2/chat');
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.body).toEqual({
      model: 'command-a-03-2025',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello' }],
      max_tokens: 50,
      temperature: 0.2,
    });
    // usage counts `tokens` (Cohere's preamble included), not `billed_units`
    expect(r.usage!.prompt_tokens).toBeGreaterThan(12);
    expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
  });

  it('accepts LiteLLM\'s cohere/v2/<model> id and an api_base that is the full /v2/chat URL', async () => {
    const r = await gateway.chat({ model: 'command-v2', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.choices[0].message.content).toBe('echo: hi');
    expect(last().path).toBe('/v2/chat');
    expect(last().body.model).toBe('command-a-03-2025');
  });

  it('streams: role first, text deltas, finish, and a usage chunk when asked', async () => {
    const chunks = await stream({ stream_options: { include_usage: true } });
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage!.prompt_tokens).toBeGreaterThan(0);
    const r = assemble(chunks);
    expect(r.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'echo: hello' } });
    expect(last().body.stream).toBe(true);
    expect(last().headers.accept).toBe('text/event-stream');
  });

  it('tools both ways: tool_plan as reasoning_content, tool_calls, and tool results sent back with the plan', async () => {
    const first = await chat({ tools: [WEATHER], messages: [{ role: 'user', content: 'Oslo? call tool' }] });
    const m = first.choices[0].message;
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(m.reasoning_content).toBe('I will call get_weather.');
    expect(JSON.parse(m.tool_calls![0].function.arguments)).toEqual({ city: 'Oslo? call tool' });
    const second = await chat({
      tools: [WEATHER],
      messages: [{ role: 'user', content: 'Oslo? call tool' }, { role: 'assistant', content: null, reasoning_content: m.reasoning_content, tool_calls: m.tool_calls }, { role: 'tool', tool_call_id: m.tool_calls![0].id, content: 'sunny' }],
    });
    expect(second.choices[0].message.content).toBe('tool said: sunny');
    expect(last().body.messages[1]).toEqual({ role: 'assistant', tool_calls: [{ id: m.tool_calls![0].id, type: 'function', function: m.tool_calls![0].function }], tool_plan: 'I will call get_weather.' });
    expect(last().body.messages[2]).toEqual({ role: 'tool', tool_call_id: m.tool_calls![0].id, content: 'sunny' });
  });

  it('streams two tool calls with indices 0 and 1 and the plan as reasoning', async () => {
    const r = assemble(await stream({ tools: [WEATHER, TIME], messages: [{ role: 'user', content: 'call tools' }] }));
    expect(r.choices[0].finish_reason).toBe('tool_calls');
    expect(r.choices[0].message.reasoning_content).toBe('I will call get_weather and get_time.');
    expect(r.choices[0].message.tool_calls!.map((t) => [t.function.name, JSON.parse(t.function.arguments)])).toEqual([['get_weather', { city: 'call tools' }], ['get_time', {}]]);
  });

  it('tool_choice: required -> REQUIRED; a named function narrows the tools, with a warning', async () => {
    await chat({ tools: [WEATHER, TIME], tool_choice: 'required' });
    expect(last().body.tool_choice).toBe('REQUIRED');
    const ctx = gateway.createContext('chat', { model: 'command', messages: [{ role: 'user', content: 'x' }], tools: [WEATHER, TIME], tool_choice: { type: 'function', function: { name: 'get_time' } } });
    const r = await gateway.execute(ctx);
    expect(r.kind).toBe('response');
    expect(last().body.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(['get_time']);
    expect(ctx.warnings).toContain("narrowed tools to 'get_time': Cohere's tool_choice cannot name a function");
  });

  it('documents pass through and citations come back as annotations (and raw citations)', async () => {
    const r = await chat({ documents: [{ id: 'handbook', data: { title: 'Handbook', text: 'Gym memberships are free.' } }], messages: [{ role: 'user', content: 'perks?' }] });
    const m = r.choices[0].message as ChatCompletion['choices'][number]['message'] & { citations?: unknown[] };
    expect(m.content).toBe('echo: perks?. From handbook: Gym memberships are free.');
    expect(m.annotations).toEqual([{ type: 'url_citation', url_citation: { start_index: 29, end_index: 54, title: 'Handbook', url: 'source:handbook' } }]);
    expect(m.citations).toHaveLength(1);
    const streamed = await stream({ documents: ['Plain string documents work too.'], messages: [{ role: 'user', content: 'q' }] });
    const annotated = streamed.flatMap((c) => ((c.choices[0]?.delta as { annotations?: unknown[] })?.annotations ?? []));
    expect(annotated).toEqual([{ type: 'url_citation', url_citation: { start_index: 21, end_index: 53, title: '', url: 'source:doc:0' } }]);
  });

  it('response_format json_schema -> json_object with the schema', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const r = await chat({ response_format: { type: 'json_schema', json_schema: { name: 'c', schema } }, messages: [{ role: 'user', content: 'Rome' }] });
    expect(JSON.parse(r.choices[0].message.content!)).toEqual({ city: 'Rome' });
    expect(last().body.response_format).toEqual({ type: 'json_object', json_schema: schema });
  });

  it('reasoning_effort turns thinking on; thinking content is reasoning_content', async () => {
    const r = await chat({ reasoning_effort: 'low' });
    expect(last().body.thinking).toEqual({ type: 'enabled', token_budget: 1024 });
    expect(r.choices[0].message.reasoning_content).toBe('Let me think about "hello".');
    const s = assemble(await stream({ reasoning_effort: 'high' }));
    expect(s.choices[0].message).toMatchObject({ reasoning_content: 'Let me think about "hello".', content: 'echo: hello' });
  });

  it('max_tokens that cuts the answer gives finish_reason length', async () => {
    const r = await chat({ max_completion_tokens: 1, messages: [{ role: 'user', content: 'a long question here' }] });
    expect(r.choices[0].finish_reason).toBe('length');
    expect(last().body.max_tokens).toBe(1);
  });

  it('clamps out-of-range sampling params with a warning; refuses logit_bias naming it', async () => {
    const ctx = gateway.createContext('chat', { model: 'command', messages: [{ role: 'user', content: 'x' }], temperature: 1.7, top_p: 1, frequency_penalty: -1 });
    await gateway.execute(ctx);
    expect(last().body).toMatchObject({ temperature: 1, p: 0.99, frequency_penalty: 0 });
    expect(ctx.warnings).toEqual(["clamped 'temperature' from 1.7 to 1", "clamped 'top_p' from 1 to 0.99", "clamped 'frequency_penalty' from -1 to 0"]);
    const err = (await chat({ logit_bias: { '1': 2 } }).catch((e: unknown) => e)) as GatewayError;
    expect(err).toMatchObject({ status: 400, param: 'logit_bias', code: 'unsupported_parameter' });
  });

  it('embeddings: /v2/embed with the default input_type, float and base64 encodings', async () => {
    const r = await gateway.embeddings({ model: 'embed', input: ['hello', 'world'] });
    expect(r.data).toHaveLength(2);
    expect(r.data[0].embedding).toHaveLength(8);
    expect(r.usage.prompt_tokens).toBe(4);
    expect(last().body).toEqual({ model: 'embed-v4.0', texts: ['hello', 'world'], input_type: 'search_document', embedding_types: ['float'] });
    const b = await gateway.embeddings({ model: 'embed', input: 'hello', encoding_format: 'base64', input_type: 'search_query', dimensions: 256 });
    const bytes = Buffer.from(b.data[0].embedding as string, 'base64');
    const decoded = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    expect(decoded).toHaveLength(256);
    expect(Math.hypot(...decoded)).toBeCloseTo(1, 5);
    expect(last().body).toMatchObject({ input_type: 'search_query', output_dimension: 256 });
  });
});

describe('Cohere errors through a Gateway', () => {
  it('a 429 with retry-after is a rate_limit error carrying retryAfter', async () => {
    mock.setNext({ kind: 'status', status: 429, headers: { 'retry-after': '7' } });
    const err = (await chat({}).catch((e: unknown) => e)) as GatewayError;
    expect(err).toMatchObject({ status: 429, kind: 'rate_limit', retryAfter: 7, retryable: true });
  });

  it('"too many tokens" is context_window_exceeded; 498 is content_policy; 503 is overloaded', async () => {
    mock.setNext({ kind: 'status', status: 400, body: JSON.stringify({ id: 'x', message: 'too many tokens: size limit exceeded by 11326 tokens. Try using shorter or fewer inputs.' }) });
    expect(await chat({}).catch((e: unknown) => e)).toMatchObject({ status: 400, kind: 'context_window_exceeded', retryable: false });
    mock.setNext({ kind: 'status', status: 498 });
    expect(await chat({}).catch((e: unknown) => e)).toMatchObject({ status: 400, kind: 'content_policy' });
    mock.setNext({ kind: 'status', status: 503 });
    expect(await chat({}).catch((e: unknown) => e)).toMatchObject({ status: 503, kind: 'overloaded' });
  });

  it('an in-stream error ends the stream with a server error', async () => {
    mock.setNext({ kind: 'stream-error', afterChunks: 3 });
    const err = (await stream({}).catch((e: unknown) => e)) as GatewayError;
    expect(err).toMatchObject({ status: 502, kind: 'server', message: 'cohere: internal server error, this has been reported to our developers' });
  });

  it('a cut stream and a malformed body are errors, never a silent end', async () => {
    mock.setNext({ kind: 'cut', afterChunks: 3 });
    expect(await stream({}).catch((e: unknown) => e)).toMatchObject({ status: 502 });
    mock.setNext({ kind: 'malformed' });
    expect(await chat({}).catch((e: unknown) => e)).toMatchObject({ status: 502, code: 'bad_upstream_response' });
    mock.setNext({ kind: 'malformed' });
    expect(await stream({}).catch((e: unknown) => e)).toMatchObject({ status: 502, code: 'bad_upstream_response' });
  });

  it('a key echoed back in a 401, a 400 and a stream error never reaches the caller', async () => {
    for (const where of [401, 400, 'stream'] as const) {
      mock.setNext({ kind: 'echo-key', where });
      const err = (await (where === 'stream' ? stream({}) : chat({})).catch((e: unknown) => e)) as GatewayError;
      expect(err.status).toBe(where === 'stream' ? 502 : where);
      expect(err.message).toContain('[redacted]');
      expect(JSON.stringify(err.toJSON())).not.toContain(KEY);
    }
  });
});

describe('Cohere deployment params', () => {
  const start = async (params: Record<string, unknown>) => {
    const g = new Gateway({ config: { model_list: [{ model_name: 'e', params: { model: 'cohere/embed-v4.0', api_key: KEY, ...params } }], settings: { log_level: 'silent' } } });
    await g.use(coherePlugin);
    return g.start();
  };

  it('input_type is a declared key: a bad value or a typo fails start-up naming the path; a good one sets the embed default', async () => {
    await expect(start({ input_type: 'search' })).rejects.toThrowError(/params\.input_type/);
    await expect(start({ input_typ: 'search_query' })).rejects.toThrowError(/params\.input_typ: is not a known key \(did you mean `input_type`\?\)/);
    const g = await start({ input_type: 'search_query', api_base: mock.url });
    await g.embeddings({ model: 'e', input: 'x' });
    expect(last().body.input_type).toBe('search_query');
    await g.close();
  });
});
