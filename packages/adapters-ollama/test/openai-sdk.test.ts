import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '@tollgate/core';
import ollamaPlugin from '../src/index.js';
import { createTollgateServer, type TollgateServer } from '../../server/src/index.js';
import { startMockOllama, type MockOllamaServer } from '../../testing/src/ollama-mock.js';

const KEY = 'ollama-sdk-key-0123456789';
let mock: MockOllamaServer;
let server: TollgateServer;
let client: OpenAI;

const WEATHER: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

beforeAll(async () => {
  mock = await startMockOllama({ apiKey: KEY, rejectUnknown: true });
  const gateway = new Gateway({
    config: {
      model_list: [
        { model_name: 'llama', params: { model: 'ollama_chat/llama3.2', api_base: mock.url, api_key: KEY } },
        { model_name: 'embed', params: { model: 'ollama/nomic-embed-text', api_base: mock.url, api_key: KEY } },
      ],
      settings: { log_level: 'silent' },
    },
  });
  await gateway.use(ollamaPlugin);
  await gateway.start();
  server = createTollgateServer(gateway, { requestLog: false });
  const { port } = await server.listen(0);
  client = new OpenAI({ apiKey: 'unused', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await server.close(1000);
  await mock.close();
});

describe('openai SDK -> Tollgate -> Ollama native API (mock)', () => {
  it('chat, with max_tokens applied as num_predict', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'hello there' }], max_tokens: 2 }).withResponse();
    expect(data.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: 'echo: he' } });
    expect(response.headers.get('x-tollgate-provider')).toBe('ollama_chat');
    expect(mock.requests.at(-1)!.body.options).toEqual({ num_predict: 2 });
  });

  it('stream with usage', async () => {
    const stream = await client.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'stream me please' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      if (c.usage) usage = c.usage;
    }
    expect(text).toBe('echo: stream me please');
    expect(usage!.prompt_tokens).toBeGreaterThan(0);
  });

  it('tools round trip, streamed then not', async () => {
    const first = await client.chat.completions.stream({ model: 'llama', tools: [WEATHER], messages: [{ role: 'user', content: 'Lima? call tool' }] }).finalChatCompletion();
    const call = first.choices[0].message.tool_calls![0];
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Lima? call tool' });
    const second = await client.chat.completions.create({
      model: 'llama',
      tools: [WEATHER],
      messages: [{ role: 'user', content: 'Lima? call tool' }, first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: 'cloudy' }],
    });
    expect(second.choices[0].message.content).toBe('tool said: cloudy');
  });

  it('embeddings, float and the SDK default base64', async () => {
    const floats = await client.embeddings.create({ model: 'embed', input: ['a', 'b'], encoding_format: 'float' });
    expect(floats.data.map((d) => d.embedding.length)).toEqual([8, 8]);
    const decoded = await client.embeddings.create({ model: 'embed', input: 'a' });
    expect(decoded.data[0].embedding).toEqual(floats.data[0].embedding);
  });

  it('an upstream key echoed in a 401, a 400 and a stream error never reaches the SDK', async () => {
    for (const where of [401, 400] as const) {
      mock.setNext({ kind: 'echo-key', where });
      const err = await client.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(where);
      expect((err as Error).message).toContain('[redacted]');
      expect(JSON.stringify((err as InstanceType<typeof OpenAI.APIError>).error)).not.toContain(KEY);
    }
    mock.setNext({ kind: 'echo-key', where: 'stream' });
    const stream = await client.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'a b c d e f' }], stream: true });
    const err = await (async () => { for await (const _ of stream) { /* drain */ } })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toContain('[redacted]');
    expect((err as Error).message).not.toContain(KEY);
  });
});
