import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError, type ChatCompletionChunk, type ChatCompletionRequest, type ChatMessage, type Gateway } from '@tollgate/core';
import { MOCK_BEDROCK_API_KEY, MOCK_ACCESS_KEY_ID, startBedrockMock, type BedrockMockServer } from '../../testing/src/bedrock-mock.js';
import { CLAUDE, NOVA, assemble, sigv4Params, startGateway } from './helpers.js';

let mock: BedrockMockServer;
let g: Gateway;
const SESSION = { accessKeyId: 'ASIAMOCKSESSION00002', secretAccessKey: 'session/secret', sessionToken: 'IQoJb3JpZ2luX2VjEMockSessionToken==' };
const ARN = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6';
const WEATHER = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const TIME = { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: {} } } };

beforeAll(async () => {
  mock = await startBedrockMock({ credentials: [{ accessKeyId: MOCK_ACCESS_KEY_ID, secretAccessKey: 'mock/secret+access/key/0123456789abcdef' }, SESSION], contextWindowTokens: 2000 });
  g = await startGateway([
    { model_name: 'claude', params: sigv4Params(mock, `bedrock/converse/${CLAUDE}`) },
    { model_name: 'claude-key', params: { model: `bedrock/${CLAUDE}`, api_base: mock.url, api_key: MOCK_BEDROCK_API_KEY, aws_region_name: 'us-east-1' } },
    { model_name: 'claude-session', params: sigv4Params(mock, `bedrock_converse/${CLAUDE}`, { aws_access_key_id: SESSION.accessKeyId, aws_secret_access_key: SESSION.secretAccessKey, aws_session_token: SESSION.sessionToken }) },
    { model_name: 'nova', params: sigv4Params(mock, `bedrock/${NOVA}`) },
    { model_name: 'profile-arn', params: sigv4Params(mock, `bedrock/${ARN}`) },
    { model_name: 'titan', params: sigv4Params(mock, 'bedrock/amazon.titan-embed-text-v2:0') },
    { model_name: 'cohere-embed', params: sigv4Params(mock, 'bedrock/cohere.embed-english-v3') },
    { model_name: 'rerank', params: sigv4Params(mock, 'bedrock/cohere.rerank-v3-5:0') },
  ]);
});
afterAll(async () => {
  await g.close(1000);
  await mock.close();
});

const last = () => mock.requests[mock.requests.length - 1];
const chat = (r: Partial<ChatCompletionRequest>, model = 'claude') => g.chat({ model, messages: [{ role: 'user', content: 'hello' }], ...r, stream: false });
async function stream(r: Partial<ChatCompletionRequest>, model = 'claude'): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const c of await g.chat({ model, messages: [{ role: 'user', content: 'hello' }], ...r, stream: true })) out.push(c);
  return out;
}
async function streamError(r: Partial<ChatCompletionRequest>, model = 'claude'): Promise<{ chunks: ChatCompletionChunk[]; error: unknown }> {
  const chunks: ChatCompletionChunk[] = [];
  const error = await (async () => { for await (const c of await g.chat({ model, messages: [{ role: 'user', content: 'hello' }], ...r, stream: true })) chunks.push(c); })().catch((e: unknown) => e);
  return { chunks, error };
}

describe('Bedrock adapter through a Gateway (strict mock, SigV4 verified)', () => {
  it('non-stream: signed Converse request, translated answer and usage', async () => {
    const r = await chat({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello' }], temperature: 0.3, max_tokens: 50 });
    expect(r.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant', content: 'echo: hello' } });
    expect(r.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: 3 });
    const sent = last();
    expect(sent.path).toBe(`/model/${CLAUDE}/converse`);
    expect(String(sent.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAMOCKBEDROCK00001\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/);
    expect(sent.body).toEqual({ messages: [{ role: 'user', content: [{ text: 'hello' }] }], system: [{ text: 'Be brief.' }], inferenceConfig: { maxTokens: 50, temperature: 0.3 } });
  });

  it('API-key, session-token, inference-profile ARN and Nova deployments', async () => {
    expect((await chat({}, 'claude-key')).choices[0].message.content).toBe('echo: hello');
    expect(last().headers.authorization).toBe(`Bearer ${MOCK_BEDROCK_API_KEY}`);
    expect((await chat({}, 'claude-session')).choices[0].message.content).toBe('echo: hello');
    expect(last().headers['x-amz-security-token']).toBe(SESSION.sessionToken);
    expect((await chat({}, 'profile-arn')).choices[0].message.content).toBe('echo: hello');
    expect(last().path).toBe(`/model/${ARN}/converse`);
    expect((await chat({ top_k: 20, reasoning_effort: 'low' }, 'nova')).choices[0].message.content).toBe('echo: hello');
    expect(last().body.additionalModelRequestFields).toEqual({ reasoningConfig: { type: 'enabled', maxReasoningEffort: 'low' }, inferenceConfig: { topK: 20 } });
  });

  it('stream: role first, text deltas, finish, usage chunk when asked', async () => {
    const chunks = await stream({ stream_options: { include_usage: true } });
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 3 } });
    expect(assemble(chunks).choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'echo: hello' } });
    expect(last().path).toBe(`/model/${CLAUDE}/converse-stream`);
    expect((await stream({})).every((c) => c.usage === undefined)).toBe(true);
  });

  it('tools round trip, streamed: parallel calls numbered 0 and 1, results go back as one user turn', async () => {
    const chunks = await stream({ tools: [WEATHER, TIME], messages: [{ role: 'user', content: 'Oslo? call tools' }] });
    const heads = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).filter((t) => t.id);
    expect(heads.map((t) => [t.index, t.function?.name])).toEqual([[0, 'get_weather'], [1, 'get_time']]);
    const first = assemble(chunks);
    const calls = first.choices[0].message.tool_calls!;
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(calls.map((c) => JSON.parse(c.function.arguments))).toEqual([{ city: 'Oslo? call tools' }, { echo: 'Oslo? call tools' }]);
    const second = await chat({
      tools: [WEATHER, TIME],
      messages: [
        { role: 'user', content: 'Oslo? call tools' },
        { role: 'assistant', content: first.choices[0].message.content, tool_calls: calls },
        { role: 'tool', tool_call_id: calls[0].id, content: 'snow' },
        { role: 'tool', tool_call_id: calls[1].id, content: 'noon' },
      ],
    });
    expect(second.choices[0].message.content).toBe('tool said: snow | noon');
    expect(last().body.messages[2].content.map((b: Record<string, unknown>) => Object.keys(b)[0])).toEqual(['toolResult', 'toolResult']);
  });

  it('thinking over several turns with tools: signatures go back and the strict mock accepts them', async () => {
    const first = await chat({ reasoning_effort: 'low', tools: [WEATHER], messages: [{ role: 'user', content: 'Weather in Oslo? call tool' }] });
    const m = first.choices[0].message;
    expect(m.reasoning_content).toContain('Let me think');
    expect(mock.issued.has(m.thinking_blocks![0].signature!)).toBe(true);
    expect(last().body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 1024 } });
    const history: ChatMessage[] = [
      { role: 'user', content: 'Weather in Oslo? call tool' },
      { role: 'assistant', content: m.content, tool_calls: m.tool_calls, thinking_blocks: m.thinking_blocks },
      { role: 'tool', tool_call_id: m.tool_calls![0].id, content: 'snow' },
    ];
    const second = assemble(await stream({ reasoning_effort: 'low', tools: [WEATHER], messages: history }));
    expect(second.choices[0].message.content).toBe('tool said: snow');
    // Without the thinking block the strict mock answers as Claude does.
    const lost = history.map((h) => (h.role === 'assistant' ? { ...h, thinking_blocks: undefined } : h));
    await expect(chat({ reasoning_effort: 'low', tools: [WEATHER], messages: lost })).rejects.toThrowError(/Expected `thinking` or `redacted_thinking`/);
  });

  it('streamed thinking yields a signed block that works on the next turn', async () => {
    const r = assemble(await stream({ reasoning_effort: 'medium', messages: [{ role: 'user', content: 'why? redact' }] }));
    const blocks = r.choices[0].message.thinking_blocks!;
    expect(blocks.map((b) => b.type)).toEqual(['thinking', 'redacted_thinking']);
    const next = await chat({ reasoning_effort: 'medium', messages: [{ role: 'user', content: 'why? redact' }, { role: 'assistant', content: r.choices[0].message.content, thinking_blocks: blocks }, { role: 'user', content: 'more' }] });
    expect(next.choices[0].message.content).toBe('echo: more');
  });

  it('prompt caching: cache_control becomes cachePoint, cache reads and writes reach usage', async () => {
    const messages: ChatMessage[] = [{ role: 'system', content: [{ type: 'text', text: 'Manual. '.repeat(60), cache_control: { type: 'ephemeral' } }] }, { role: 'user', content: 'hello' }];
    const a = await chat({ messages });
    const b = await chat({ messages });
    expect(last().body.system[1]).toEqual({ cachePoint: { type: 'default' } });
    expect(a.usage!.prompt_tokens_details).toMatchObject({ cached_tokens: 0, cache_creation_tokens: expect.any(Number) });
    expect(b.usage!.prompt_tokens_details!.cached_tokens).toBe(a.usage!.prompt_tokens_details!.cache_creation_tokens);
    expect(b.usage!.prompt_tokens).toBe(a.usage!.prompt_tokens);
  });

  it('finish reasons and response_format', async () => {
    expect((await chat({ max_tokens: 1 })).choices[0].finish_reason).toBe('length');
    expect((await chat({ stop: ['llo'] })).choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'echo: he' } });
    expect((await chat({ messages: [{ role: 'user', content: 'guardrail me' }] })).choices[0].finish_reason).toBe('content_filter');
    const rf = { type: 'json_schema' as const, json_schema: { name: 'r', schema: { type: 'object', properties: { answer: { type: 'string' } } } } };
    expect(JSON.parse((await chat({ response_format: rf })).choices[0].message.content!)).toEqual({ answer: 'hello' });
    const s = assemble(await stream({ response_format: rf }));
    expect(s.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: '{"answer":"hello"}' } });
  });

  it('errors carry kinds: throttling, validation, context window, timeout, unavailable, expired token', async () => {
    const fail = async (fault: Parameters<BedrockMockServer['setNext']>[0]) => { mock.setNext(fault); return (await chat({}).catch((e: unknown) => e)) as GatewayError; };
    expect(await fail({ kind: 'status', status: 429 })).toMatchObject({ status: 429, kind: 'rate_limit' });
    expect(await fail({ kind: 'error', type: 'ModelTimeoutException' })).toMatchObject({ status: 408, kind: 'timeout' });
    expect(await fail({ kind: 'error', type: 'ServiceUnavailableException' })).toMatchObject({ status: 503, kind: 'overloaded' });
    expect(await fail({ kind: 'error', type: 'ExpiredTokenException' })).toMatchObject({ status: 401, kind: 'auth' });
    expect(await fail({ kind: 'error', type: 'AccessDeniedException' })).toMatchObject({ status: 403, kind: 'permission' });
    const long = await chat({ messages: [{ role: 'user', content: 'word '.repeat(2000) }] }).catch((e: unknown) => e);
    expect(long).toMatchObject({ status: 400, kind: 'context_window_exceeded' });
    expect((long as Error).message).toMatch(/prompt is too long: \d+ tokens > 2000 maximum/);
    await expect(chat({ logit_bias: { 1: 1 } })).rejects.toThrowError(/does not support the parameter 'logit_bias'/);
  });

  it('stream failures: an exception frame after N events, a corrupted frame, a cut stream — each a clean error', async () => {
    mock.setNext({ kind: 'stream-exception', afterEvents: 2, type: 'throttlingException' });
    const ex = await streamError({});
    expect(ex.chunks.length).toBeGreaterThan(0);
    expect(ex.error).toMatchObject({ status: 429, kind: 'rate_limit' });
    mock.setNext({ kind: 'corrupt-frame', afterEvents: 1 });
    const bad = await streamError({});
    expect(bad.error).toBeInstanceOf(GatewayError);
    expect(bad.error).toMatchObject({ status: 502, kind: 'server' });
    mock.setNext({ kind: 'cut', afterChunks: 2 });
    const cut = await streamError({});
    expect(cut.error).toBeInstanceOf(GatewayError);
  });

  it('an upstream that echoes the credential never leaks it (403, 400, stream exception; SigV4, session token and API key)', async () => {
    const secrets = [MOCK_ACCESS_KEY_ID, SESSION.accessKeyId, SESSION.sessionToken, MOCK_BEDROCK_API_KEY];
    const leaks = (e: unknown) => secrets.some((s) => String((e as Error).message).includes(s) || JSON.stringify(e).includes(s));
    for (const model of ['claude', 'claude-session', 'claude-key']) {
      for (const as of ['auth', 'validation'] as const) {
        mock.setNext({ kind: 'echo-credential', as });
        const e = await chat({}, model).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(GatewayError);
        expect((e as Error).message).toContain('[redacted]');
        expect(leaks(e)).toBe(false);
      }
      mock.setNext({ kind: 'echo-credential', as: 'stream' });
      const s = await streamError({}, model);
      expect((s.error as Error).message).toContain('[redacted]');
      expect(leaks(s.error)).toBe(false);
    }
  });

  it('embeddings: Titan v2 with dimensions, Cohere with input_type, base64 encoding', async () => {
    const t = await g.embeddings({ model: 'titan', input: 'hello world', dimensions: 256 });
    expect(t.data[0].embedding).toHaveLength(256);
    expect(t.usage.prompt_tokens).toBeGreaterThan(0);
    expect(last().body).toEqual({ inputText: 'hello world', dimensions: 256 });
    expect(last().path).toBe('/model/amazon.titan-embed-text-v2:0/invoke');
    const c = await g.embeddings({ model: 'cohere-embed', input: ['a', 'b'], input_type: 'search_query', encoding_format: 'base64' });
    expect(c.data).toHaveLength(2);
    expect(Buffer.from(c.data[1].embedding as string, 'base64').length).toBe(1024 * 4);
    expect(last().body).toEqual({ texts: ['a', 'b'], input_type: 'search_query' });
    await expect(g.embeddings({ model: 'titan', input: ['a', 'b'] })).rejects.toThrowError(/one input per request/);
    await expect(g.embeddings({ model: 'claude', input: 'x' })).rejects.toThrowError(/not an embedding model/);
  });

  it('rerank: a signed agent-runtime Rerank call, answered in Cohere\'s shape with documents when asked', async () => {
    const documents = ['Berlin is in Germany', 'Paris is the capital of France'];
    const r = await g.rerank({ model: 'rerank', query: 'capital of France', documents, top_n: 1, return_documents: true });
    expect(r.results).toEqual([{ index: 1, relevance_score: expect.any(Number), document: { text: 'Paris is the capital of France' } }]);
    expect(r.meta).toEqual({ billed_units: { search_units: 1 } });
    expect(last().path).toBe('/rerank');
    expect(String(last().headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAMOCKBEDROCK00001\/\d{8}\/us-east-1\/bedrock\/aws4_request/);
    expect(last().body.rerankingConfiguration.bedrockRerankingConfiguration).toEqual({ numberOfResults: 1, modelConfiguration: { modelArn: 'arn:aws:bedrock:us-east-1::foundation-model/cohere.rerank-v3-5:0' } });
    const all = await g.rerank({ model: 'rerank', query: 'capital of France', documents });
    expect(all.results.map((x) => x.index)).toEqual([1, 0]);
    expect(all.results.every((x) => x.document === undefined)).toBe(true);
  });
});
