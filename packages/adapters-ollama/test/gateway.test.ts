import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway, StreamAssembler, UndiciTransport, type ChatCompletion, type ChatCompletionChunk, type ChatCompletionRequest, type GatewayError } from '@tollgate/core';
import ollamaPlugin, { listOllamaModels, ollamaTagsToModelList } from '../src/index.js';
import { startMockOllama, type MockOllamaServer } from '../../testing/src/ollama-mock.js';

const KEY = 'ollama-cloud-key-0123456789';
let mock: MockOllamaServer;
let gateway: Gateway;

const WEATHER = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const TIME = { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: {} } } };
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

beforeAll(async () => {
  mock = await startMockOllama({
    apiKey: KEY,
    rejectUnknown: true,
    models: ['llama3.2', 'qwen3:8b', 'nomic-embed-text', 'gemma:2b'],
    capabilities: { 'qwen3:8b': ['completion', 'tools', 'thinking'], 'gemma:2b': ['completion'] },
  });
  gateway = new Gateway({
    config: {
      model_list: [
        { model_name: 'llama', params: { model: 'ollama_chat/llama3.2', api_base: mock.url, api_key: KEY, num_ctx: 8192, keep_alive: '10m', allowed_client_params: ['repeat_penalty', 'truncate', 'keep_alive'] } },
        { model_name: 'llama-legacy-id', params: { model: 'ollama/llama3.2', api_base: `${mock.url}/api/chat`, api_key: KEY } },
        { model_name: 'qwen', params: { model: 'ollama_chat/qwen3:8b', api_base: mock.url, api_key: KEY }, model_info: { num_ctx: 4096 } },
        { model_name: 'gemma', params: { model: 'ollama_chat/gemma:2b', api_base: mock.url, api_key: KEY } },
        { model_name: 'embed', params: { model: 'ollama/nomic-embed-text', api_base: mock.url, api_key: KEY } },
        { model_name: 'missing', params: { model: 'ollama_chat/not-pulled', api_base: mock.url, api_key: KEY } },
      ],
      settings: { log_level: 'silent' },
    },
  });
  await gateway.use(ollamaPlugin);
  await gateway.start();
});
afterAll(async () => {
  await gateway.close(1000);
  await mock.close();
});

const last = () => mock.requests[mock.requests.length - 1];
const chat = (r: Partial<ChatCompletionRequest>, model = 'llama') => gateway.chat({ model, messages: [{ role: 'user', content: 'hello' }], ...r, stream: false });
async function stream(r: Partial<ChatCompletionRequest>, model = 'llama'): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const c of await gateway.chat({ model, messages: [{ role: 'user', content: 'hello' }], ...r, stream: true })) out.push(c);
  return out;
}
const assemble = (chunks: ChatCompletionChunk[]): ChatCompletion => {
  const a = new StreamAssembler();
  for (const c of chunks) a.add(c);
  return a.result();
};

describe('Ollama adapter through a Gateway (mock that rejects unknown fields)', () => {
  it('sends /api/chat with stream false, params in options, keep_alive from the deployment', async () => {
    const r = await chat({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello' }], max_tokens: 50, temperature: 0.1, top_p: 0.9, stop: 'END', seed: 3, user: 'u1' });
    expect(r.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant', content: 'echo: hello' } });
    expect(r.usage).toEqual({ prompt_tokens: 8, completion_tokens: 3, total_tokens: 11 });
    const sent = last();
    expect(sent.path).toBe('/api/chat');
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.body).toEqual({
      model: 'llama3.2',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello' }],
      options: { num_ctx: 8192, num_predict: 50, temperature: 0.1, top_p: 0.9, stop: ['END'], seed: 3 },
      keep_alive: '10m',
      stream: false,
    });
  });

  it('max_tokens really caps the answer (num_predict), giving finish_reason length', async () => {
    const r = await chat({ max_completion_tokens: 1, messages: [{ role: 'user', content: 'tell me a long story' }] });
    expect(r.choices[0].finish_reason).toBe('length');
    expect(r.choices[0].message.content).toBe('echo');
  });

  it('ollama/<model> (LiteLLM\'s other id) and an api_base ending in /api/chat reach the same endpoint', async () => {
    const r = await gateway.chat({ model: 'llama-legacy-id', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.choices[0].message.content).toBe('echo: hi');
    expect(last().path).toBe('/api/chat');
  });

  it('streams NDJSON: role first, content deltas, finish, usage when asked', async () => {
    const chunks = await stream({ stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'one two three four five' }] });
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBeGreaterThan(0);
    expect(assemble(chunks).choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'echo: one two three four five' } });
    expect(last().body.stream).toBe(true);
  });

  it('tools both ways: argument objects become JSON strings; results go back with tool_call_id and tool_name', async () => {
    const first = await chat({ tools: [WEATHER], messages: [{ role: 'user', content: 'Oslo? call tool' }] });
    const m = first.choices[0].message;
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(m.content).toBeNull();
    expect(JSON.parse(m.tool_calls![0].function.arguments)).toEqual({ city: 'Oslo? call tool' });
    const id = m.tool_calls![0].id;
    const second = await chat({ tools: [WEATHER], messages: [{ role: 'user', content: 'Oslo? call tool' }, m, { role: 'tool', tool_call_id: id, content: '12C' }] });
    expect(second.choices[0].message.content).toBe('tool said: 12C');
    expect(last().body.messages.slice(1)).toEqual([
      { role: 'assistant', content: '', tool_calls: [{ id, function: { name: 'get_weather', arguments: { city: 'Oslo? call tool' } } }] },
      { role: 'tool', content: '12C', tool_call_id: id, tool_name: 'get_weather' },
    ]);
    expect(last().body.tools).toEqual([WEATHER]);
  });

  it('streams two tool calls as indices 0 and 1', async () => {
    const r = assemble(await stream({ tools: [WEATHER, TIME], messages: [{ role: 'user', content: 'call tools' }] }));
    expect(r.choices[0].finish_reason).toBe('tool_calls');
    expect(r.choices[0].message.tool_calls!.map((t) => t.function.name)).toEqual(['get_weather', 'get_time']);
  });

  it('tool_choice none sends no tools; required is refused naming it', async () => {
    await chat({ tools: [WEATHER], tool_choice: 'none' });
    expect(last().body).not.toHaveProperty('tools');
    expect(await chat({ tools: [WEATHER], tool_choice: 'required' }).catch((e: unknown) => e)).toMatchObject({ status: 400, param: 'tool_choice' });
  });

  it('images: data URLs become bare base64 in images; remote URLs are refused', async () => {
    const r = await chat({ messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }] }] });
    expect(r.choices[0].message.content).toBe('echo: what is this (1 image)');
    expect(last().body.messages[0]).toEqual({ role: 'user', content: 'what is this', images: [PNG] });
    expect(await chat({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] }).catch((e: unknown) => e)).toMatchObject({ status: 400, param: 'messages[0].content[0]' });
  });

  it('response_format -> format: json, or the schema itself', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } } };
    const r = await chat({ response_format: { type: 'json_schema', json_schema: { name: 'c', schema } }, messages: [{ role: 'user', content: 'Rome' }] });
    expect(JSON.parse(r.choices[0].message.content!)).toEqual({ city: 'Rome' });
    expect(last().body.format).toEqual(schema);
    await chat({ response_format: { type: 'json_object' } });
    expect(last().body.format).toBe('json');
  });

  it('reasoning_effort turns think on (num_ctx from model_info); thinking is reasoning_content, streamed too', async () => {
    const r = await chat({ reasoning_effort: 'high' }, 'qwen');
    expect(last().body).toMatchObject({ think: true, options: { num_ctx: 4096 } });
    expect(r.choices[0].message.reasoning_content).toBe('Thinking about "hello".');
    const s = assemble(await stream({ reasoning_effort: 'low' }, 'qwen'));
    expect(s.choices[0].message).toMatchObject({ reasoning_content: 'Thinking about "hello".', content: 'echo: hello' });
  });

  it('frequency and presence penalties go to their own options; unsupported params are refused or dropped', async () => {
    await chat({ frequency_penalty: 0.5, presence_penalty: 0.2, repeat_penalty: 1.1 });
    expect(last().body.options).toMatchObject({ frequency_penalty: 0.5, presence_penalty: 0.2, repeat_penalty: 1.1 });
    expect(await chat({ logit_bias: { '1': 1 } }).catch((e: unknown) => e)).toMatchObject({ status: 400, param: 'logit_bias', code: 'unsupported_parameter' });
    expect(await chat({ web_search_options: {} }).catch((e: unknown) => e)).toMatchObject({ status: 400, param: 'web_search_options' });
  });

  it('Ollama-native client fields go up only on deployments that allow them', async () => {
    await chat({ repeat_penalty: 1.1, keep_alive: -1, num_gpu: 99 });
    expect(last().body).toMatchObject({ keep_alive: -1, options: { repeat_penalty: 1.1 } });
    expect(last().body.options).not.toHaveProperty('num_gpu');
    await gateway.chat({ model: 'llama-legacy-id', messages: [{ role: 'user', content: 'hello' }], repeat_penalty: 1.1, keep_alive: -1 });
    expect(last().body).not.toHaveProperty('keep_alive');
    expect(last().body).not.toHaveProperty('options');
  });

  it('logprobs come back in OpenAI\'s shape', async () => {
    const r = await chat({ logprobs: true, top_logprobs: 1 });
    expect(last().body).toMatchObject({ logprobs: true, top_logprobs: 1 });
    expect(r.choices[0].logprobs!.content![0]).toMatchObject({ token: 'echo: hello', logprob: -0.25, top_logprobs: [{ token: 'echo: hello', logprob: -0.25 }] });
  });

  it('embeddings through /api/embed, float and base64', async () => {
    const r = await gateway.embeddings({ model: 'embed', input: ['a b', 'c'] });
    expect(r.data.map((d) => (d.embedding as number[]).length)).toEqual([8, 8]);
    expect(r.usage.prompt_tokens).toBe(2);
    expect(last().body).toEqual({ model: 'nomic-embed-text', input: ['a b', 'c'] });
    const b = await gateway.embeddings({ model: 'embed', input: 'a b', encoding_format: 'base64', dimensions: 16 });
    const bytes = Buffer.from(b.data[0].embedding as string, 'base64');
    expect(bytes.length).toBe(16 * 4);
    expect(last().body).toEqual({ model: 'nomic-embed-text', input: ['a b'], dimensions: 16 });
  });

  it('lists pulled models through /api/tags', async () => {
    const transport = new UndiciTransport();
    try {
      const tags = await listOllamaModels(transport, gateway.group('llama')!.deployments[0]);
      expect(tags.map((t) => t.name)).toEqual(['llama3.2:latest', 'qwen3:8b', 'nomic-embed-text:latest', 'gemma:2b']);
      expect(last().headers.authorization).toBe(`Bearer ${KEY}`);
      expect(ollamaTagsToModelList(tags).data[0]).toMatchObject({ id: 'ollama_chat/llama3.2:latest', object: 'model', owned_by: 'ollama' });
    } finally {
      await transport.close();
    }
  });
});

describe('Ollama errors through a Gateway', () => {
  it('a model that is not pulled is a 404 not_found', async () => {
    expect(await gateway.chat({ model: 'missing', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)).toMatchObject({ status: 404, kind: 'not_found', message: "ollama: model 'not-pulled' not found" });
  });

  it('a model without tools support is a 400 bad_request', async () => {
    expect(await chat({ tools: [WEATHER] }, 'gemma').catch((e: unknown) => e)).toMatchObject({ status: 400, kind: 'bad_request', message: 'ollama: gemma:2b does not support tools' });
  });

  it('an input over the context length is context_window_exceeded', async () => {
    expect(await chat({ truncate: false, messages: [{ role: 'user', content: 'x'.repeat(40_000) }] }).catch((e: unknown) => e)).toMatchObject({ status: 400, kind: 'context_window_exceeded' });
  });

  it('503 server busy is overloaded; 429 keeps retry-after', async () => {
    mock.setNext({ kind: 'status', status: 503 });
    expect(await chat({}).catch((e: unknown) => e)).toMatchObject({ status: 503, kind: 'overloaded', retryable: true });
    mock.setNext({ kind: 'status', status: 429, headers: { 'retry-after': '3' } });
    expect(await chat({}).catch((e: unknown) => e)).toMatchObject({ status: 429, kind: 'rate_limit', retryAfter: 3 });
  });

  it('an error line mid-stream, a cut stream and malformed lines are errors, never a silent end', async () => {
    mock.setNext({ kind: 'stream-error', afterChunks: 1 });
    expect(await stream({ messages: [{ role: 'user', content: 'a b c d e f g' }] }).catch((e: unknown) => e)).toMatchObject({ status: 502, kind: 'server', message: 'ollama: an error was encountered while running the model' });
    mock.setNext({ kind: 'cut', afterChunks: 1 });
    expect(await stream({ messages: [{ role: 'user', content: 'a b c d e f g' }] }).catch((e: unknown) => e)).toMatchObject({ status: 502 });
    mock.setNext({ kind: 'malformed' });
    expect(await stream({ messages: [{ role: 'user', content: 'a b c d e f g' }] }).catch((e: unknown) => e)).toMatchObject({ status: 502, code: 'bad_upstream_response' });
    mock.setNext({ kind: 'malformed' });
    expect(await chat({}).catch((e: unknown) => e)).toMatchObject({ status: 502, code: 'bad_upstream_response' });
  });

  it('a key echoed back in a 401, a 400 and a stream error never reaches the caller', async () => {
    for (const where of [401, 400, 'stream'] as const) {
      mock.setNext({ kind: 'echo-key', where });
      const err = (await (where === 'stream' ? stream({ messages: [{ role: 'user', content: 'a b c d e f g' }] }) : chat({})).catch((e: unknown) => e)) as GatewayError;
      expect(err.status).toBe(where === 'stream' ? 502 : where);
      expect(err.message).toContain('[redacted]');
      expect(JSON.stringify(err.toJSON())).not.toContain(KEY);
    }
  });
});
