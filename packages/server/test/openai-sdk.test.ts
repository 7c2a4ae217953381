import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startMockOpenAI, type MockOpenAIServer } from '@tollgate/testing';
import { startServer, type Running } from './helpers.js';

let upstream: MockOpenAIServer;
let tg: Running;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startMockOpenAI({ apiKey: 'sk-upstream' });
  tg = await startServer({
    model_list: [
      { model_name: 'gpt-4o-mini', params: { model: 'openai/gpt-4o-mini', api_base: `${upstream.url}/v1`, api_key: 'sk-upstream' } },
      { model_name: 'text-embedding-3-small', params: { model: 'openai/text-embedding-3-small', api_base: `${upstream.url}/v1`, api_key: 'sk-upstream' } },
      { model_name: 'flaky', params: { model: 'mock/flaky', mock_fault: { status: 429, retry_after: 3 } } },
      { model_name: 'broken', params: { model: 'mock/broken', mock_fault: { status: 500 } } },
      { model_name: 'cut', params: { model: 'mock/cut', mock_fault: { cut_after_chunks: 2 }, mock_stream_chunks: 6 } },
    ],
  });
  client = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: 'anything', maxRetries: 0 });
});
afterAll(async () => {
  await tg.close();
  await upstream.close();
});

describe('the official openai SDK against Tollgate', () => {
  it('non-streamed chat', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hi' }] }).withResponse();
    expect(data.choices[0].message.content).toBe('echo: Say hi');
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-tollgate-model')).toBe('openai/gpt-4o-mini');
    expect(response.headers.get('x-tollgate-provider')).toBe('openai');
    expect(Number(response.headers.get('x-tollgate-overhead-ms'))).toBeGreaterThanOrEqual(0);
    expect(response.headers.get('x-tollgate-request-id')).toBeTruthy();
  });

  it('streamed chat with usage', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'count one two three four' }] });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('echo: count one two three four');
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('a tool-call round trip, streamed with the SDK helper', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
    const runner = client.chat.completions.stream({ model: 'gpt-4o-mini', tools, tool_choice: 'required', messages: [{ role: 'user', content: 'weather in Paris' }] });
    const first = await runner.finalChatCompletion();
    const call = first.choices[0].message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function.name).toBe('get_weather');
    const second = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      tools,
      messages: [{ role: 'user', content: 'weather in Paris' }, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: call.id, content: '21C' }],
    });
    expect(second.choices[0].message.content).toBe('tool said: 21C');
  });

  it('embeddings (the SDK asks for base64 and decodes it)', async () => {
    const res = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 5 });
    expect(res.data).toHaveLength(2);
    expect(res.data[0].embedding).toHaveLength(5);
    expect(typeof res.data[0].embedding[0]).toBe('number');
  });

  it('lists and retrieves models', async () => {
    const list = await client.models.list();
    expect(list.data.map((m) => m.id)).toContain('gpt-4o-mini');
    expect((await client.models.retrieve('gpt-4o-mini')).id).toBe('gpt-4o-mini');
    await expect(client.models.retrieve('nope')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('surfaces errors as the SDK typed errors', async () => {
    await expect(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
    await expect(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    const rl = await client.chat.completions.create({ model: 'flaky', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(rl).toBeInstanceOf(OpenAI.RateLimitError);
    expect(rl.headers.get('retry-after')).toBe('3');
    await expect(client.chat.completions.create({ model: 'broken', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.InternalServerError);
  });

  it('a stream cut upstream ends with an error the SDK raises, not a hang', async () => {
    const stream = await client.chat.completions.create({ model: 'cut', stream: true, messages: [{ role: 'user', content: 'a b c d e f g h i j' }] });
    await expect((async () => { for await (const _ of stream) { /* drain */ } })()).rejects.toBeInstanceOf(OpenAI.APIError);
  });
});
