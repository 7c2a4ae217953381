import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '@tollgate/core';
import coherePlugin from '../src/index.js';
import { createTollgateServer, type TollgateServer } from '../../server/src/index.js';
import { startMockCohere, type MockCohereServer } from '../../testing/src/cohere-mock.js';

const KEY = 'co-sdk-upstream-key-0123456789';
let mock: MockCohereServer;
let server: TollgateServer;
let client: OpenAI;

const WEATHER: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

beforeAll(async () => {
  mock = await startMockCohere({ apiKey: KEY });
  const gateway = new Gateway({
    config: {
      model_list: [
        { model_name: 'command', params: { model: 'cohere_chat/command-a-03-2025', api_base: mock.url, api_key: KEY } },
        { model_name: 'embed', params: { model: 'cohere/embed-v4.0', api_base: mock.url, api_key: KEY } },
      ],
      settings: { log_level: 'silent' },
    },
  });
  await gateway.use(coherePlugin);
  await gateway.start();
  server = createTollgateServer(gateway, { requestLog: false });
  const { port } = await server.listen(0);
  client = new OpenAI({ apiKey: 'unused', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await server.close(1000);
  await mock.close();
});

describe('openai SDK -> Tollgate -> Cohere (strict mock)', () => {
  it('chat', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'command', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    expect(data.choices[0].message.content).toBe('echo: hello');
    expect(data.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-tollgate-provider')).toBe('cohere_chat');
  });

  it('stream with usage', async () => {
    const stream = await client.chat.completions.create({ model: 'command', messages: [{ role: 'user', content: 'stream me please' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
      if (c.usage) usage = c.usage;
    }
    expect(text).toBe('echo: stream me please');
    expect(finish).toBe('stop');
    expect(usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('tools round trip, streamed then not', async () => {
    const first = await client.chat.completions.stream({ model: 'command', tools: [WEATHER], messages: [{ role: 'user', content: 'Lima? call tool' }] }).finalChatCompletion();
    const call = first.choices[0].message.tool_calls![0];
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Lima? call tool' });
    const second = await client.chat.completions.create({
      model: 'command',
      tools: [WEATHER],
      messages: [{ role: 'user', content: 'Lima? call tool' }, first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: 'cloudy' }],
    });
    expect(second.choices[0].message.content).toBe('tool said: cloudy');
  });

  it('embeddings, float and the SDK default base64', async () => {
    const floats = await client.embeddings.create({ model: 'embed', input: ['a', 'b'], encoding_format: 'float' });
    expect(floats.data.map((d) => d.embedding.length)).toEqual([8, 8]);
    const decoded = await client.embeddings.create({ model: 'embed', input: 'a' });
    // The SDK asked for base64 and decoded it back into the same floats.
    expect(decoded.data[0].embedding).toEqual(floats.data[0].embedding);
  });

  it('an upstream key echoed in a 401, a 400 and a stream error never reaches the SDK', async () => {
    for (const where of [401, 400] as const) {
      mock.setNext({ kind: 'echo-key', where });
      const err = await client.chat.completions.create({ model: 'command', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(where);
      expect(JSON.stringify((err as InstanceType<typeof OpenAI.APIError>).error)).not.toContain(KEY);
      expect((err as Error).message).toContain('[redacted]');
    }
    mock.setNext({ kind: 'echo-key', where: 'stream' });
    // Before the first content event the failure is the attempt's (an HTTP error); after it, an error event.
    const err = await (async () => {
      const stream = await client.chat.completions.create({ model: 'command', messages: [{ role: 'user', content: 'x y z' }], stream: true });
      for await (const _ of stream) { /* drain */ }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).not.toContain(KEY);
    expect((err as Error).message).toContain('[redacted]');
  });
});
