import { Gateway } from '@tollgate/core';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTollgateServer, type TollgateServer } from '../../server/src/index.js';
import { startMockGemini, type MockGeminiServer } from '../../testing/src/gemini-mock.js';
import geminiPlugin from '../src/index.js';
import { logger } from './helpers.js';

const KEY = 'AIzaSdkTestKey-abcdefghijklmnopqr';

/** The official openai SDK as a client of the Tollgate server, which talks to the Gemini mock. */
describe('openai SDK -> Tollgate -> Gemini', () => {
  let mock: MockGeminiServer;
  let server: TollgateServer;
  let client: OpenAI;

  beforeAll(async () => {
    mock = await startMockGemini({ flavor: 'studio', apiKey: KEY });
    const gateway = new Gateway({
      logger,
      config: {
        model_list: [
          { model_name: 'gemini-flash', params: { model: 'gemini/gemini-2.5-flash', api_base: mock.url, api_key: KEY } },
          { model_name: 'gemini-embed', params: { model: 'gemini/gemini-embedding-001', api_base: mock.url, api_key: KEY } },
        ],
        settings: { master_key: 'sk-tollgate-master' },
      },
    });
    await gateway.use(geminiPlugin);
    await gateway.start();
    server = createTollgateServer(gateway, { requestLog: false });
    const { port } = await server.listen(0, '127.0.0.1');
    client = new OpenAI({ apiKey: 'sk-tollgate-master', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await server.close();
    await mock.close();
  });

  it('text', async () => {
    const res = await client.chat.completions.create({ model: 'gemini-flash', messages: [{ role: 'user', content: 'Hello from the SDK' }] });
    expect(res.choices[0].message.content).toBe('echo: Hello from the SDK');
    expect(res.choices[0].finish_reason).toBe('stop');
    expect(res.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('stream with include_usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'gemini-flash',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream me a few words please' }],
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('echo: stream me a few words please');
    expect(finish).toBe('stop');
    expect(usage!.prompt_tokens).toBeGreaterThan(0);
    expect(usage!.total_tokens).toBe(usage!.prompt_tokens + usage!.completion_tokens);
  });

  it('a tool-call round trip', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [{
      type: 'function',
      function: { name: 'lookup', description: 'Look something up', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'], additionalProperties: false } },
    }];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'please call tool: tollgate' }];
    const first = await client.chat.completions.create({ model: 'gemini-flash', messages, tools });
    const call = first.choices[0].message.tool_calls![0];
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(call.type === 'function' && call.function.name).toBe('lookup');
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ query: 'please call tool: tollgate' });

    messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: JSON.stringify({ result: 'a gateway' }) });
    const second = await client.chat.completions.create({ model: 'gemini-flash', messages, tools });
    expect(second.choices[0].message.content).toBe('tool said: {"result":"a gateway"}');
    expect(second.choices[0].finish_reason).toBe('stop');
  });

  it('json_schema (structured output)', async () => {
    const res = await client.chat.completions.create({
      model: 'gemini-flash',
      messages: [{ role: 'user', content: 'describe a city' }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'city',
          strict: true,
          schema: {
            type: 'object',
            properties: { name: { type: 'string' }, population: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } }, size: { type: 'string', enum: ['small', 'big'] } },
            required: ['name', 'population', 'tags', 'size'],
            additionalProperties: false,
          },
        },
      },
    });
    expect(JSON.parse(res.choices[0].message.content!)).toEqual({ name: 'echo: describe a city', population: 1, tags: ['echo: describe a city'], size: 'small' });
  });

  it('embeddings (the SDK asks for base64 by default)', async () => {
    const res = await client.embeddings.create({ model: 'gemini-embed', input: ['one', 'two'], dimensions: 6 });
    expect(res.data.map((d) => d.embedding.length)).toEqual([6, 6]);
    expect(Math.hypot(...res.data[0].embedding)).toBeCloseTo(1, 4);
  });

  it('errors reach the SDK as OpenAI-shaped API errors', async () => {
    mock.setNext({ kind: 'status', status: 429 });
    const err = await client.chat.completions.create({ model: 'gemini-flash', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const bad = await client.chat.completions.create({ model: 'gemini-flash', messages: [{ role: 'user', content: 'x' }], logit_bias: { '1': 2 } }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('logit_bias');
  });
});
