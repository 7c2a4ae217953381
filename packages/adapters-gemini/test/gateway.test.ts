import { AuthenticationError, Gateway, type ChatCompletionChunk } from '@tollgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import geminiPlugin from '../src/index.js';
import { startMockGemini, type MockGeminiServer } from '../../testing/src/gemini-mock.js';
import { startMockGoogleToken, type MockGoogleTokenServer } from '../../testing/src/google-token-mock.js';
import { failure, logger, serviceAccount } from './helpers.js';

const KEY = 'AIzaMockKey-abcdefghijklmnopqrstu';
const WEATHER = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } },
};

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const c of stream) out.push(c);
  return out;
}

async function gatewayFor(params: Record<string, unknown>, settings: Record<string, unknown> = {}, modelName = 'g'): Promise<Gateway> {
  const gateway = new Gateway({ logger, config: { model_list: [{ model_name: modelName, params: params as { model: string } }], settings, router: { num_retries: 0 } } });
  await gateway.use(geminiPlugin);
  await gateway.start();
  return gateway;
}

describe('through the gateway: Google AI Studio', () => {
  let mock: MockGeminiServer;
  let gateway: Gateway;
  beforeAll(async () => {
    mock = await startMockGemini({ flavor: 'studio', apiKey: KEY });
    gateway = await gatewayFor({ model: 'gemini/gemini-2.5-flash', api_base: mock.url, api_key: KEY });
  });
  afterAll(async () => {
    await gateway.close();
    await mock.close();
  });

  it('chat: text answer with usage', async () => {
    const res = await gateway.chat({ model: 'g', messages: [{ role: 'system', content: 'Be nice.' }, { role: 'user', content: 'Hello there' }] });
    expect(res.choices[0].message.content).toBe('echo: Hello there');
    expect(res.choices[0].finish_reason).toBe('stop');
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(sent.headers['x-goog-api-key']).toBe(KEY);
    expect(sent.body.systemInstruction).toEqual({ parts: [{ text: 'Be nice.' }] });
  });

  it('stream: role first, text deltas, finish, usage chunk', async () => {
    const chunks = await collect(await gateway.chat({ model: 'g', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'one two three four five six seven' }] }));
    expect(mock.requests.at(-1)!.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    expect(mock.requests.at(-1)!.query.alt).toBe('sse');
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    const text = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).join('');
    expect(text).toBe('echo: one two three four five six seven');
    expect(chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0].finish_reason)).toEqual(['stop']);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage!.prompt_tokens).toBeGreaterThan(0);
  });

  it('stream without include_usage: the usage chunk is stripped', async () => {
    const chunks = await collect(await gateway.chat({ model: 'g', stream: true, messages: [{ role: 'user', content: 'hi' }] }));
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('stop');
  });

  it('tool call round trip with ids, streamed and not', async () => {
    const first = await gateway.chat({ model: 'g', tools: [WEATHER], tool_choice: 'required', messages: [{ role: 'user', content: 'Paris' }] });
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    const call = first.choices[0].message.tool_calls![0];
    expect(call).toEqual({ id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
    expect(mock.requests.at(-1)!.body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });

    const second = await gateway.chat({
      model: 'g',
      tools: [WEATHER],
      messages: [{ role: 'user', content: 'Paris' }, first.choices[0].message as never, { role: 'tool', tool_call_id: call.id, content: 'sunny, 24C' }],
    });
    expect(second.choices[0].message.content).toBe('tool said: sunny, 24C');
    expect(mock.requests.at(-1)!.body.contents.at(-1)).toEqual({ role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { content: 'sunny, 24C' } } }] });

    const chunks = await collect(await gateway.chat({ model: 'g', stream: true, tools: [WEATHER], messages: [{ role: 'user', content: 'please call tool for Rome' }] }));
    const deltas = chunks.flatMap((c) => c.choices.flatMap((ch) => ch.delta.tool_calls ?? []));
    expect(deltas).toEqual([{ index: 0, id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"please call tool for Rome"}' } }]);
    expect(chunks.find((c) => c.choices[0]?.finish_reason)!.choices[0].finish_reason).toBe('tool_calls');
  });

  it('json_schema: the schema reaches Gemini translated and the answer fits it', async () => {
    const res = await gateway.chat({
      model: 'g',
      messages: [{ role: 'user', content: 'a person' }],
      response_format: { type: 'json_schema', json_schema: { name: 'p', strict: true, schema: { type: 'object', additionalProperties: false, properties: { name: { type: 'string' }, age: { type: 'integer' }, kind: { const: 'human' } }, required: ['name', 'age', 'kind'] } } },
    });
    expect(JSON.parse(res.choices[0].message.content!)).toEqual({ name: 'echo: a person', age: 1, kind: 'human' });
    const gen = mock.requests.at(-1)!.body.generationConfig;
    expect(gen.responseMimeType).toBe('application/json');
    expect(JSON.stringify(gen.responseSchema)).not.toMatch(/additionalProperties|\$schema|const/);
  });

  it('thinking: thoughts come back as reasoning_content, thoughtsTokenCount as reasoning tokens', async () => {
    const res = await gateway.chat({ model: 'g', reasoning_effort: 'low', messages: [{ role: 'user', content: 'why?' }] });
    expect(res.choices[0].message.reasoning_content).toBe('Thinking about: why?');
    expect(res.choices[0].message.content).toBe('echo: why?');
    expect(res.usage!.completion_tokens_details!.reasoning_tokens).toBeGreaterThan(0);
    const chunks = await collect(await gateway.chat({ model: 'g', stream: true, reasoning_effort: 'low', messages: [{ role: 'user', content: 'why?' }] }));
    expect(chunks.map((c) => c.choices[0]?.delta.reasoning_content ?? '').join('')).toBe('Thinking about: why?');
  });

  it('safety: "unsafe" is blocked with finish_reason content_filter, streamed and not', async () => {
    const res = await gateway.chat({ model: 'g', messages: [{ role: 'user', content: 'something unsafe' }] });
    expect(res.choices[0]).toMatchObject({ message: { content: null }, finish_reason: 'content_filter' });
    const chunks = await collect(await gateway.chat({ model: 'g', stream: true, messages: [{ role: 'user', content: 'something unsafe' }] }));
    expect(chunks.find((c) => c.choices[0]?.finish_reason)!.choices[0].finish_reason).toBe('content_filter');
    const blocked = await gateway.chat({ model: 'g', messages: [{ role: 'user', content: 'prompt-block me' }] });
    expect(blocked.choices[0].finish_reason).toBe('content_filter');
  });

  it('n, stop and max tokens', async () => {
    const res = await gateway.chat({ model: 'g', n: 2, messages: [{ role: 'user', content: 'x' }] });
    expect(res.choices.map((c) => [c.index, c.message.content])).toEqual([[0, 'echo: x (1)'], [1, 'echo: x (2)']]);
    const stopped = await gateway.chat({ model: 'g', stop: [' world'], messages: [{ role: 'user', content: 'hello world' }] });
    expect(stopped.choices[0].message.content).toBe('echo: hello');
    const cut = await gateway.chat({ model: 'g', max_tokens: 2, messages: [{ role: 'user', content: 'a long enough sentence here' }] });
    expect(cut.choices[0].finish_reason).toBe('length');
  });

  it('embeddings: one input via embedContent, several via batchEmbedContents, dimensions and task type', async () => {
    const one = await gateway.embeddings({ model: 'g', input: 'hello', dimensions: 4, input_type: 'search_query' });
    expect(one.data).toHaveLength(1);
    expect((one.data[0].embedding as number[]).length).toBe(4);
    expect(mock.requests.at(-1)!.path).toBe('/v1beta/models/gemini-2.5-flash:embedContent');
    expect(mock.requests.at(-1)!.body).toEqual({ content: { parts: [{ text: 'hello' }] }, taskType: 'RETRIEVAL_QUERY', outputDimensionality: 4 });
    const many = await gateway.embeddings({ model: 'g', input: ['a', 'b', 'c'] });
    expect(many.data.map((d) => d.index)).toEqual([0, 1, 2]);
    expect(mock.requests.at(-1)!.path).toBe('/v1beta/models/gemini-2.5-flash:batchEmbedContents');
    const b64 = await gateway.embeddings({ model: 'g', input: 'hello', encoding_format: 'base64' });
    expect(typeof b64.data[0].embedding).toBe('string');
    const bytes = Buffer.from(b64.data[0].embedding as string, 'base64');
    const floats = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    expect(floats).toEqual(((await gateway.embeddings({ model: 'g', input: 'hello' })).data[0].embedding as number[]));
  });

  it('upstream errors are canonical, retryable ones are marked, the key never shows', async () => {
    mock.setNext({ kind: 'status', status: 429 });
    const e429 = await failure(gateway.chat({ model: 'g', messages: [{ role: 'user', content: 'x' }] }));
    expect([e429.status, e429.retryable]).toEqual([429, true]);
    mock.setNext({ kind: 'status', status: 503 });
    const e503 = await failure(gateway.chat({ model: 'g', messages: [{ role: 'user', content: 'x' }] }));
    expect([e503.status, e503.retryable]).toEqual([503, true]);
    const bad = await failure(gateway.chat({ model: 'g', messages: [{ role: 'user', content: 'x' }], top_p: 1.5 }));
    expect(bad.status).toBe(400);
    expect(bad.message).toContain('top_p');

    const wrongKey = await gatewayFor({ model: 'gemini/gemini-2.5-flash', api_base: mock.url, api_key: 'AIzaWrongKey-00000000000000000' });
    const e401 = await failure(wrongKey.chat({ model: 'g', messages: [{ role: 'user', content: 'x' }] }));
    expect(e401).toBeInstanceOf(AuthenticationError);
    expect(e401.message).not.toContain('AIzaWrongKey');
    await wrongKey.close();
  });

  it('a stream cut before its finish is an error, never a silent end', async () => {
    mock.setNext({ kind: 'truncate', afterChunks: 2 });
    const stream = await gateway.chat({ model: 'g', stream: true, messages: [{ role: 'user', content: 'one two three four five six seven eight nine' }] });
    await expect(collect(stream)).rejects.toMatchObject({ code: 'stream_incomplete' });
    mock.setNext({ kind: 'stream-error', afterChunks: 1 });
    const errored = await gateway.chat({ model: 'g', stream: true, messages: [{ role: 'user', content: 'one two three four five six seven eight nine' }] });
    await expect(collect(errored)).rejects.toMatchObject({ status: 500 });
  });

  it('drop_params drops what Gemini lacks and says so', async () => {
    const dropping = await gatewayFor({ model: 'gemini/gemini-2.5-flash', api_base: mock.url, api_key: KEY }, { drop_params: true });
    const ctx = dropping.createContext('chat', { model: 'g', messages: [{ role: 'user', content: 'x' }], logit_bias: { '5': 1 } });
    const result = await dropping.execute(ctx);
    expect(result.kind).toBe('response');
    expect(ctx.warnings).toContain("dropped unsupported param 'logit_bias'");
    await dropping.close();
    await expect(gateway.chat({ model: 'g', messages: [{ role: 'user', content: 'x' }], logit_bias: { '5': 1 } })).rejects.toMatchObject({ status: 400, param: 'logit_bias' });
  });
});

describe('through the gateway: Vertex AI', () => {
  let token: MockGoogleTokenServer;
  let mock: MockGeminiServer;
  let gateway: Gateway;
  let sa: ReturnType<typeof serviceAccount>;
  beforeAll(async () => {
    sa = serviceAccount();
    token = await startMockGoogleToken({ serviceAccount: sa });
    mock = await startMockGemini({ flavor: 'vertex', accessToken: token, project: 'proj-1', location: 'europe-west4' });
    gateway = await gatewayFor({
      model: 'vertex_ai/gemini-2.5-pro',
      api_base: mock.url,
      vertex_project: 'proj-1',
      vertex_location: 'europe-west4',
      vertex_credentials: JSON.stringify({ ...sa, token_uri: token.tokenUrl }),
    });
  });
  afterAll(async () => {
    await gateway.close();
    await mock.close();
    await token.close();
  });

  it('fetches one token (signed JWT exchange) for several requests, concurrent ones included', async () => {
    const before = token.issuedCount;
    const answers = await Promise.all([1, 2, 3].map((i) => gateway.chat({ model: 'g', messages: [{ role: 'user', content: `q${i}` }] })));
    expect(answers.map((a) => a.choices[0].message.content)).toEqual(['echo: q1', 'echo: q2', 'echo: q3']);
    await gateway.chat({ model: 'g', messages: [{ role: 'user', content: 'again' }] });
    expect(token.issuedCount - before).toBe(1);
    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe('/v1/projects/proj-1/locations/europe-west4/publishers/google/models/gemini-2.5-pro:generateContent');
    expect(token.isValid(String(sent.headers.authorization).replace('Bearer ', ''))).toBe(true);
    expect(sent.body.contents[0].role).toBe('user');
    const form = token.requests.at(-1)!.body;
    expect(form.grant_type).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const claims = JSON.parse(Buffer.from(form.assertion.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ iss: sa.client_email, aud: token.tokenUrl, scope: 'https://www.googleapis.com/auth/cloud-platform' });
    expect(claims.exp - claims.iat).toBe(3600);
  });

  it('streams and calls tools on Vertex too', async () => {
    const chunks = await collect(await gateway.chat({ model: 'g', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'streamed on vertex' }] }));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('echo: streamed on vertex');
    expect(chunks.at(-1)!.usage).toBeTruthy();
    const res = await gateway.chat({ model: 'g', tools: [WEATHER], tool_choice: { type: 'function', function: { name: 'get_weather' } }, messages: [{ role: 'user', content: 'Oslo' }] });
    expect(res.choices[0].message.tool_calls![0].function).toEqual({ name: 'get_weather', arguments: '{"city":"Oslo"}' });
  });

  it('embeddings through :predict', async () => {
    const e = await gateway.embeddings({ model: 'g', input: ['x', 'yy'], dimensions: 3 });
    expect(e.data.map((d) => (d.embedding as number[]).length)).toEqual([3, 3]);
    expect(e.usage.prompt_tokens).toBe(2);
    expect(mock.requests.at(-1)!.path).toMatch(/gemini-2\.5-pro:predict$/);
    expect(mock.requests.at(-1)!.body).toEqual({ instances: [{ content: 'x' }, { content: 'yy' }], parameters: { outputDimensionality: 3 } });
  });

  it('a service account Google rejects is an authentication error', async () => {
    const other = serviceAccount();
    const bad = await gatewayFor({
      model: 'vertex_ai/gemini-2.5-pro', api_base: mock.url, vertex_project: 'proj-1', vertex_location: 'europe-west4',
      // signed with a key the token server does not know
      vertex_credentials: JSON.stringify({ ...other, client_email: sa.client_email }), vertex_token_url: token.tokenUrl,
    });
    const e = await failure(bad.chat({ model: 'g', messages: [{ role: 'user', content: 'x' }] }));
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e.message).toContain('invalid_grant');
    expect(e.message).not.toContain('PRIVATE KEY');
    await bad.close();
  });

  it('a token the API does not accept is a 401 from Vertex', async () => {
    const strict = await startMockGemini({ flavor: 'vertex', accessToken: 'some-other-token', project: 'proj-1', location: 'europe-west4' });
    const g2 = await gatewayFor({ model: 'vertex_ai/gemini-2.5-pro', api_base: strict.url, vertex_project: 'proj-1', vertex_location: 'europe-west4', vertex_credentials: JSON.stringify(sa), vertex_token_url: token.tokenUrl });
    const e = await failure(g2.chat({ model: 'g', messages: [{ role: 'user', content: 'x' }] }));
    expect([e.status, e.message]).toEqual([401, expect.stringContaining('invalid authentication credentials')]);
    await g2.close();
    await strict.close();
  });
});

