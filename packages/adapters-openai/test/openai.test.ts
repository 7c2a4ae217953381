import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Gateway, GatewayError, type ChatCompletionChunk, type ModelEntry } from '@tollgate/core';
import openai from '@tollgate/adapter-openai';
import { startMockOpenAI, type MockOpenAIServer } from '@tollgate/testing';

const silent = pino({ level: 'silent' });
const user = (content: string) => ({ role: 'user' as const, content });

async function gateway(models: ModelEntry[], settings: Record<string, unknown> = {}): Promise<Gateway> {
  const g = new Gateway({ logger: silent, config: { model_list: models, settings } });
  await g.use(openai);
  await g.start();
  return g;
}

async function collect(it: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}

let oa: MockOpenAIServer;
let groq: MockOpenAIServer;
let mistral: MockOpenAIServer;
let azure: MockOpenAIServer;

beforeAll(async () => {
  oa = await startMockOpenAI({ apiKey: 'sk-real-upstream-key-123456' });
  groq = await startMockOpenAI({ apiKey: 'gsk-groq', basePath: '/openai/v1', rejectParams: ['logit_bias', 'logprobs', 'top_logprobs'] });
  mistral = await startMockOpenAI({ apiKey: 'mk', rejectParams: ['max_completion_tokens'] });
  azure = await startMockOpenAI({ flavor: 'azure', apiKey: 'az-key', azureDeployments: ['my-gpt'], azureApiVersions: ['2024-10-21'], azureBearerToken: 'entra-token-1' });
});
afterAll(async () => {
  await Promise.all([oa.close(), groq.close(), mistral.close(), azure.close()]);
});

const openaiModel = (extra: Record<string, unknown> = {}): ModelEntry => ({ model_name: 'gpt', params: { model: 'openai/gpt-4o-mini', api_base: `${oa.url}/v1`, api_key: 'sk-real-upstream-key-123456', ...extra } });

describe('OpenAI', () => {
  it('sends chat completions and returns the upstream answer', async () => {
    const g = await gateway([openaiModel()]);
    const res = await g.chat({ model: 'gpt', messages: [{ role: 'system', content: 'be brief' }, user('hello')], temperature: 0.2 });
    expect(res.choices[0].message.content).toBe('echo: hello');
    expect(res.usage?.prompt_tokens).toBeGreaterThan(0);
    const sent = oa.requests.at(-1)!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer sk-real-upstream-key-123456');
    expect(sent.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.2 });
  });

  it('streams, asking upstream for usage and keeping it only when the client asked', async () => {
    const g = await gateway([openaiModel()]);
    const without = await collect(await g.chat({ model: 'gpt', stream: true, messages: [user('one two three four five')] }));
    expect(oa.requests.at(-1)!.body.stream_options).toEqual({ include_usage: true });
    expect(without.some((c) => c.usage)).toBe(false);
    expect(without.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('echo: one two three four five');
    const withUsage = await collect(await g.chat({ model: 'gpt', stream: true, stream_options: { include_usage: true }, messages: [user('hi')] }));
    expect(withUsage.at(-1)!.usage?.total_tokens).toBeGreaterThan(0);
    expect(withUsage.at(-1)!.choices).toEqual([]);
  });

  it('passes tools, tool_choice, json_schema and image parts through, and a tool round trip works', async () => {
    const g = await gateway([openaiModel()]);
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const first = await g.chat({ model: 'gpt', tools, tool_choice: 'required', messages: [{ role: 'user', content: [{ type: 'text', text: 'weather?' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }] });
    const call = first.choices[0].message.tool_calls![0];
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(call.function.name).toBe('get_weather');
    const second = await g.chat({ model: 'gpt', tools, messages: [user('weather?'), { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: call.id, content: 'sunny' }] });
    expect(second.choices[0].message.content).toBe('tool said: sunny');
    const json = await g.chat({ model: 'gpt', response_format: { type: 'json_schema', json_schema: { name: 'echo', schema: { type: 'object' } } }, messages: [user('json please')] });
    expect(() => JSON.parse(json.choices[0].message.content!)).not.toThrow();
  });

  it('streams tool-call deltas with their index', async () => {
    const g = await gateway([openaiModel()]);
    const tools = [{ type: 'function' as const, function: { name: 'lookup' } }];
    const chunks = await collect(await g.chat({ model: 'gpt', stream: true, tools, tool_choice: 'required', messages: [user('find it')] }));
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'lookup' } });
    expect(deltas.map((d) => d.function?.arguments ?? '').join('')).toContain('find it');
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('tool_calls');
  });

  it('removes provider-only fields (thinking blocks, cache_control) that OpenAI rejects', async () => {
    const g = await gateway([openaiModel()]);
    const res = await g.chat({
      model: 'gpt',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'a', cache_control: { type: 'ephemeral' } }] },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'more' },
        { role: 'assistant', content: 'b', reasoning_content: 'thought', thinking_blocks: [{ type: 'thinking', thinking: 't', signature: 's' }] },
        user('c'),
      ],
      tools: [{ type: 'function', function: { name: 'f' }, cache_control: { type: 'ephemeral' } }],
      tool_choice: 'none',
    });
    expect(res.choices[0].message.content).toBe('echo: c');
    expect(oa.requests.at(-1)!.body.tools[0]).toEqual({ type: 'function', function: { name: 'f' } });
  });

  it('embeddings and their errors', async () => {
    const g = await gateway([{ model_name: 'emb', params: { model: 'openai/text-embedding-3-small', api_base: `${oa.url}/v1`, api_key: 'sk-real-upstream-key-123456' } }]);
    const res = await g.embeddings({ model: 'emb', input: ['a', 'b'], dimensions: 4 });
    expect(res.data.map((d) => (d.embedding as number[]).length)).toEqual([4, 4]);
  });
});

describe('upstream errors', () => {
  it('maps 429 to a retryable rate-limit error with retry-after', async () => {
    const g = await gateway([openaiModel()]);
    oa.setNext({ kind: 'status', status: 429, headers: { 'retry-after': '7' }, body: JSON.stringify({ error: { message: 'Rate limit reached for gpt-4o-mini', type: 'requests', param: null, code: 'rate_limit_exceeded' } }) });
    const err = (await g.chat({ model: 'gpt', messages: [user('x')] }).catch((e) => e)) as GatewayError;
    expect(err.status).toBe(429);
    expect(err.type).toBe('rate_limit_error');
    expect(err.retryAfter).toBe(7);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('Rate limit reached');
  });

  it('never passes on an HTML error page', async () => {
    const g = await gateway([openaiModel()]);
    oa.setNext({ kind: 'status', status: 503, body: '<html><body>Service Unavailable</body></html>', headers: { 'content-type': 'text/html' } });
    const err = (await g.chat({ model: 'gpt', messages: [user('x')] }).catch((e) => e)) as GatewayError;
    expect(err.status).toBe(503);
    expect(err.message).toBe('Upstream openai answered HTTP 503.');
    expect(JSON.stringify(err.toJSON())).not.toContain('<html>');
  });

  it('never leaks the upstream key in an error message', async () => {
    const g = await gateway([{ model_name: 'gpt', params: { model: 'openai/gpt-4o-mini', api_base: `${oa.url}/v1`, api_key: 'sk-wrong-key-but-secret-999' } }]);
    const err = (await g.chat({ model: 'gpt', messages: [user('x')] }).catch((e) => e)) as GatewayError;
    expect(err.status).toBe(401);
    expect(JSON.stringify(err.toJSON())).not.toContain('secret-999');
  });

  it('maps a mid-stream error event to a canonical error', async () => {
    const g = await gateway([openaiModel()]);
    oa.setNext({ kind: 'stream-error', afterChunks: 2 });
    const stream = await g.chat({ model: 'gpt', stream: true, messages: [user('a b c d e f g h')] });
    await expect(collect(stream)).rejects.toBeInstanceOf(GatewayError);
  });

  it('a refused connection is a 502 the router may retry', async () => {
    const g = await gateway([{ model_name: 'gpt', params: { model: 'openai/x', api_base: 'http://127.0.0.1:1/v1', api_key: 'k' } }]);
    await expect(g.chat({ model: 'gpt', messages: [user('x')] })).rejects.toMatchObject({ status: 502, retryable: true });
  });

  it('times out per deployment timeout: 408 of type timeout, kind timeout', async () => {
    const g = await gateway([openaiModel({ timeout: 0.2 })]);
    oa.setNext({ kind: 'delay', ms: 1500 });
    await expect(g.chat({ model: 'gpt', messages: [user('x')] })).rejects.toMatchObject({ status: 408, type: 'timeout', kind: 'timeout' });
  });
});

describe('Azure OpenAI', () => {
  it('uses the deployment URL, api-version and api-key header', async () => {
    const g = await gateway([{ model_name: 'az', params: { model: 'azure/my-gpt', api_base: azure.url, api_key: 'az-key', api_version: '2024-10-21' } }]);
    const res = await g.chat({ model: 'az', messages: [user('hi azure')] });
    expect(res.choices[0].message.content).toBe('echo: hi azure');
    const sent = azure.requests.at(-1)!;
    expect(sent.path).toBe('/openai/deployments/my-gpt/chat/completions');
    expect(sent.query['api-version']).toBe('2024-10-21');
    expect(sent.headers['api-key']).toBe('az-key');
    const chunks = await collect(await g.chat({ model: 'az', stream: true, messages: [user('stream azure')] }));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('echo: stream azure');
  });

  it('gets, caches and sends an Entra ID token', async () => {
    let tokenCalls = 0;
    let form = '';
    const tokenServer = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        tokenCalls++;
        form = body;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ token_type: 'Bearer', expires_in: 3599, access_token: 'entra-token-1' }));
      });
    });
    await new Promise<void>((r) => tokenServer.listen(0, '127.0.0.1', r));
    const tokenUrl = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/tenant-1/oauth2/v2.0/token`;
    const g = await gateway([{ model_name: 'az', params: { model: 'azure/my-gpt', api_base: azure.url, api_version: '2024-10-21', tenant_id: 'tenant-1', client_id: 'cid', client_secret: 'csecret', azure_token_url: tokenUrl } }]);
    await Promise.all([g.chat({ model: 'az', messages: [user('a')] }), g.chat({ model: 'az', messages: [user('b')] })]);
    await g.chat({ model: 'az', messages: [user('c')] });
    expect(tokenCalls).toBe(1);
    expect(new URLSearchParams(form).get('scope')).toBe('https://cognitiveservices.azure.com/.default');
    expect(azure.requests.at(-1)!.headers.authorization).toBe('Bearer entra-token-1');
    tokenServer.close();
  });

  it('fetches a fresh Entra ID token once when the upstream refuses a cached one', async () => {
    const issued = ['revoked-token', 'entra-token-1'];
    let calls = 0;
    const tokenServer = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ token_type: 'Bearer', expires_in: 3599, access_token: issued[Math.min(calls++, 1)] }));
      });
    });
    await new Promise<void>((r) => tokenServer.listen(0, '127.0.0.1', r));
    const tokenUrl = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/t/oauth2/v2.0/token`;
    const g = await gateway([{ model_name: 'az', params: { model: 'azure/my-gpt', api_base: azure.url, api_version: '2024-10-21', tenant_id: 't', client_id: 'c', client_secret: 's', azure_token_url: tokenUrl } }]);
    const res = await g.chat({ model: 'az', messages: [user('after rotation')] });
    expect(res.choices[0].message.content).toBe('echo: after rotation');
    expect(calls).toBe(2);
    tokenServer.close();
  });

  it('requires credentials at start-up', async () => {
    await expect(gateway([{ model_name: 'az', params: { model: 'azure/my-gpt', api_base: azure.url } }])).rejects.toThrow(/no credentials for Azure OpenAI/);
  });
});

describe('OpenAI-compatible hosts', () => {
  it('serves a host from the table with only a key (base URL overridable)', async () => {
    const g = await gateway([{ model_name: 'llama', params: { model: 'groq/llama-3.1-8b-instant', api_base: `${groq.url}/openai/v1`, api_key: 'gsk-groq' } }]);
    const res = await g.chat({ model: 'llama', messages: [user('fast')] });
    expect(res.choices[0].message.content).toBe('echo: fast');
    expect(groq.requests.at(-1)!.body.model).toBe('llama-3.1-8b-instant');
  });

  it('reads the key from the host environment variable', async () => {
    process.env.GROQ_API_KEY = 'gsk-groq';
    try {
      const g = await gateway([{ model_name: 'llama', params: { model: 'groq/llama-3.1-8b-instant', api_base: `${groq.url}/openai/v1` } }]);
      expect((await g.chat({ model: 'llama', messages: [user('env')] })).choices[0].message.content).toBe('echo: env');
    } finally {
      delete process.env.GROQ_API_KEY;
    }
  });

  it('fails start-up naming the missing key variable', async () => {
    await expect(gateway([{ model_name: 'x', params: { model: 'together_ai/meta-llama/Llama-3-8b' } }])).rejects.toThrow(/TOGETHER_API_KEY/);
  });

  it('answers 400 naming a param the host does not support, or drops it with drop_params', async () => {
    const entry: ModelEntry = { model_name: 'llama', params: { model: 'groq/llama', api_base: `${groq.url}/openai/v1`, api_key: 'gsk-groq' } };
    const strict = await gateway([entry]);
    const err = (await strict.chat({ model: 'llama', logit_bias: { '1': 5 }, messages: [user('x')] }).catch((e) => e)) as GatewayError;
    expect(err.status).toBe(400);
    expect(err.param).toBe('logit_bias');
    expect(groq.requests.at(-1)!.body?.logit_bias).toBeUndefined();
    const lenient = await gateway([entry], { drop_params: true });
    const before = groq.requests.length;
    const res = await lenient.chat({ model: 'llama', logit_bias: { '1': 5 }, messages: [user('x')] });
    expect(res.choices[0].message.content).toBe('echo: x');
    expect(groq.requests.length).toBe(before + 1);
  });

  it('renames params for hosts that spell them differently (Mistral)', async () => {
    const g = await gateway([{ model_name: 'mis', params: { model: 'mistral/mistral-small-latest', api_base: `${mistral.url}/v1`, api_key: 'mk' } }]);
    await g.chat({ model: 'mis', max_completion_tokens: 50, messages: [user('x')] });
    expect(mistral.requests.at(-1)!.body).toMatchObject({ max_tokens: 50 });
    expect(mistral.requests.at(-1)!.body.max_completion_tokens).toBeUndefined();
  });

  it('appends /v1 to an Ollama root URL as LiteLLM configs give it', async () => {
    const g = await gateway([{ model_name: 'o', params: { model: 'ollama_openai/llama3', api_base: `${oa.url}`, api_key: 'sk-real-upstream-key-123456' } }]);
    await g.chat({ model: 'o', messages: [user('x')] });
    expect(oa.requests.at(-1)!.path).toBe('/v1/chat/completions');
  });
});
