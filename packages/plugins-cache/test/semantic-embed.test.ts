import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Gateway, STAGE_DEFAULT, type ModelEntry } from '@tollgate/core';
import openai from '@tollgate/adapter-openai';
import mock from '@tollgate/adapter-mock';
import { listen, openAIError, receive, sendJson, validateEmbeddings, type Listening, type RecordedRequest } from '@tollgate/testing';
import {
  createMemoryIndex,
  createRedisIndex,
  decodeEmbedding,
  embedPrompt,
  NotEmbeddableError,
  promptText,
  withoutEmbeddedText,
  type SemanticIndex,
} from '../src/semantic/index.js';
import { at, redisFixture } from './semantic-helpers.js';

const silent = pino({ level: 'silent' });
const DIMS = 16;

/**
 * Controlled embeddings, for threshold tests: a text mentioning a topic gets that topic's vector
 * (an angle in one plane, so similarities are cosines of angle differences); any other text gets
 * a vector orthogonal to all of them.
 */
const TOPICS: Array<[RegExp, number]> = [
  [/capital of France/i, 0],
  [/France's capital/i, 0.2], // cos 0.2 = 0.980
  [/largest city in France/i, 0.5], // cos 0.5 = 0.878
  [/bake bread/i, 1.3], // cos 1.3 = 0.267
];

function controlledVector(text: string, dims = DIMS): number[] {
  for (const [re, angle] of TOPICS) if (re.test(text)) return Array.from(at(angle, dims));
  const v = new Array<number>(dims).fill(0);
  v[dims - 1] = 1;
  return v;
}

/** An OpenAI embeddings endpoint on 127.0.0.1, strict to its wire format (auth, body, envelope), answering controlled vectors. */
async function startEmbeddingsServer(apiKey: string): Promise<Listening & { requests: RecordedRequest[]; failNext(): void }> {
  const requests: RecordedRequest[] = [];
  let fail = false;
  const server = await listen(async (req, res) => {
    const { path, json } = await receive(req, requests);
    if (req.method !== 'POST' || path !== '/v1/embeddings') throw openAIError(404, `Invalid URL (${req.method} ${path})`);
    if (req.headers.authorization !== `Bearer ${apiKey}`) throw openAIError(401, 'Incorrect API key provided.', null, 'invalid_api_key');
    if (!req.headers['content-type']?.startsWith('application/json') || !json?.ok) throw openAIError(400, 'We could not parse the JSON body of your request.');
    const body = json.value as Record<string, any>;
    validateEmbeddings(body, { requireModel: true, rejectParams: [] });
    if (fail) {
      fail = false;
      throw openAIError(500, 'The server had an error while processing your request. Sorry about that!', null, null, 'server_error');
    }
    const inputs: string[] = typeof body.input === 'string' ? [body.input] : body.input;
    const data = inputs.map((text, index) => {
      const v = controlledVector(text, body.dimensions ?? DIMS);
      const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v;
      return { object: 'embedding', index, embedding };
    });
    const tokens = inputs.reduce((n, t) => n + Math.ceil(t.length / 4), 0);
    sendJson(res, 200, { object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
  });
  return { ...server, requests, failNext: () => { fail = true; } };
}

const ask = (question: string, system = 'You answer briefly.') => ({
  model: 'gpt',
  messages: [
    { role: 'system', content: system },
    { role: 'user', content: question },
  ],
});

let upstream: Awaited<ReturnType<typeof startEmbeddingsServer>>;
let gateway: Gateway;
const seen: Array<{ operation: string; internal: boolean; caller: string | undefined }> = [];

beforeAll(async () => {
  upstream = await startEmbeddingsServer('sk-embed');
  const models: ModelEntry[] = [
    { model_name: 'embedder', params: { model: 'openai/text-embedding-3-small', api_base: `${upstream.url}/v1`, api_key: 'sk-embed' } },
    { model_name: 'gpt', params: { model: 'mock/gpt-4o-mini' } },
  ];
  // Auth on: an internal call needs no key.
  gateway = new Gateway({ logger: silent, config: { model_list: models, settings: { master_key: 'sk-master-1234' } } });
  await gateway.use(openai);
  await gateway.use(mock);
  await gateway.use({
    name: 'observer',
    apply(g) {
      g.hooks.preRoute.tapPromise({ name: 'observer', stage: STAGE_DEFAULT, marksChanges: true }, async (_req, ctx) => {
        seen.push({ operation: ctx.operation, internal: ctx.internal === true, caller: ctx.caller?.kind });
        return undefined;
      });
    },
  });
  await gateway.start();
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

describe('promptText: what is embedded', () => {
  it('embeds system, developer and user turns as "role: text" lines, not assistant or tool turns', () => {
    const text = promptText({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'No emojis.' }] },
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: '18C' },
        { role: 'user', content: [{ type: 'text', text: 'And' }, { type: 'text', text: 'tomorrow?' }] },
      ],
    });
    expect(text).toBe('system: Be brief.\ndeveloper: No emojis.\nuser: Weather in Paris?\nuser: And\ntomorrow?');
  });

  it('keeps only the last maxChars characters', () => {
    const text = promptText({ messages: [{ role: 'system', content: 'x'.repeat(50) }, { role: 'user', content: 'the question' }] }, 20);
    expect(text).toBe('x\nuser: the question');
  });

  it('never starts the kept text inside a surrogate pair', () => {
    const text = promptText({ messages: [{ role: 'user', content: '😀😀' }] }, 3);
    expect(text).toBe('😀');
  });

  it('refuses requests with images, audio or files, and requests without text', () => {
    const image = { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] };
    expect(promptText({ messages: [image] })).toBeNull();
    expect(promptText({ messages: [{ role: 'user', content: '   ' }] })).toBeNull();
    expect(promptText({ messages: [{ role: 'assistant', content: 'hi' }] })).toBeNull();
    expect(promptText({ input: 'an embeddings request' })).toBeNull();
    expect(promptText(null)).toBeNull();
  });

  it('embeds a legacy completions prompt as it is', () => {
    expect(promptText({ model: 'x', prompt: 'Once upon a time' })).toBe('Once upon a time');
  });

  it('withoutEmbeddedText keeps what must match exactly: roles, assistant and tool turns, other fields', () => {
    const req = { model: 'gpt', temperature: 0, messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'Q' }, { role: 'assistant', content: 'A' }, { role: 'user', content: 'Q2' }] };
    expect(withoutEmbeddedText(req)).toEqual({ model: 'gpt', temperature: 0, messages: [{ role: 'system' }, { role: 'user' }, { role: 'assistant', content: 'A' }, { role: 'user' }] });
    expect(withoutEmbeddedText({ model: 'm', prompt: 'p', max_tokens: 5 })).toEqual({ model: 'm', max_tokens: 5 });
  });

  it('decodes float arrays and base64 float32 embeddings alike', () => {
    const v = [0.5, -0.25, 1e-3];
    expect(Array.from(decodeEmbedding(v))).toEqual(Array.from(Float32Array.from(v)));
    expect(Array.from(decodeEmbedding(Buffer.from(Float32Array.from(v).buffer).toString('base64')))).toEqual(Array.from(Float32Array.from(v)));
  });
});

describe('embedPrompt through the gateway', () => {
  it("sends the prompt text to the embeddings group's deployment and returns its vector", async () => {
    const before = upstream.requests.length;
    const request = ask('What is the capital of France?');
    const v = await embedPrompt(gateway, 'embedder', request);
    expect(upstream.requests.length).toBe(before + 1);
    const sent = upstream.requests.at(-1)!;
    expect(sent.body).toEqual({ model: 'text-embedding-3-small', input: promptText(request) });
    expect(v).toBeInstanceOf(Float32Array);
    expect(Array.from(v)).toEqual(Array.from(Float32Array.from(controlledVector('capital of France'))));
  });

  it('asks for the configured number of dimensions', async () => {
    const v = await embedPrompt(gateway, 'embedder', ask('What is the capital of France?'), { dimensions: 256 });
    expect(v.length).toBe(256);
    expect(upstream.requests.at(-1)!.body).toMatchObject({ model: 'text-embedding-3-small', dimensions: 256 });
  });

  it('runs as an internal call: no client key, caller INTERNAL, ctx.internal set', async () => {
    seen.length = 0;
    await embedPrompt(gateway, 'embedder', ask('What is the capital of France?'));
    expect(seen).toEqual([{ operation: 'embeddings', internal: true, caller: 'internal' }]);
    await expect(gateway.embeddings({ model: 'embedder', input: 'x' })).rejects.toMatchObject({ status: 401 });
  });

  it('rejects with NotEmbeddableError, without calling upstream, when there is nothing to embed', async () => {
    const before = upstream.requests.length;
    await expect(embedPrompt(gateway, 'embedder', { model: 'gpt', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://e.com/a.png' } }] }] })).rejects.toBeInstanceOf(NotEmbeddableError);
    expect(upstream.requests.length).toBe(before);
  });

  it("rejects with the gateway's error when the embeddings call fails or the group is unknown", async () => {
    upstream.failNext();
    await expect(embedPrompt(gateway, 'embedder', ask('What is the capital of France?'))).rejects.toMatchObject({ status: 500 });
    await expect(embedPrompt(gateway, 'no-such-group', ask('What is the capital of France?'))).rejects.toMatchObject({ status: 404 });
  });

  it('rejects when the client has gone away', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(embedPrompt(gateway, 'embedder', ask('What is the capital of France?'), { signal: ac.signal })).rejects.toBeTruthy();
  });
});

const redis = redisFixture('embed');
afterAll(() => redis.cleanup());

const INDEXES: Array<[string, () => SemanticIndex]> = [
  ['memory', () => createMemoryIndex({})],
  ['redis', () => createRedisIndex({ redis: redis.client(), prefix: redis.prefix, timeoutMs: 2000 })],
];

describe.each(INDEXES)('semantic lookups end to end, %s index', (_name, make) => {
  const threshold = 0.9;

  it('hits for a reworded question above similarity_threshold and misses below it', async () => {
    const index = make();
    const scope = 'key-1:gpt';
    await index.add(scope, await embedPrompt(gateway, 'embedder', ask('What is the capital of France?')), 'entry-capital', 60_000);
    const reworded = await index.search(scope, await embedPrompt(gateway, 'embedder', ask("Name France's capital.")), threshold);
    expect(reworded?.entryKey).toBe('entry-capital');
    expect(reworded?.score).toBeCloseTo(Math.cos(0.2), 5);
    expect(await index.search(scope, await embedPrompt(gateway, 'embedder', ask('What is the largest city in France?')), threshold)).toBeNull(); // 0.878
    expect(await index.search(scope, await embedPrompt(gateway, 'embedder', ask('How do I bake bread?')), threshold)).toBeNull();
    await index.close();
  });

  it("is a miss for another tenant's scope", async () => {
    const index = make();
    await index.add('key-1:gpt', await embedPrompt(gateway, 'embedder', ask('What is the capital of France?')), 'entry-capital', 60_000);
    expect(await index.search('key-2:gpt', await embedPrompt(gateway, 'embedder', ask('What is the capital of France?')), threshold)).toBeNull();
    await index.close();
  });
});

describe("the mock provider's embeddings", () => {
  let g: Gateway;
  beforeAll(async () => {
    g = new Gateway({ logger: silent, config: { model_list: [{ model_name: 'mock-embed', params: { model: 'mock/text-embedding-3-small', mock_embedding_dimensions: 256 } }] } });
    await g.use(mock);
    await g.start();
  });
  afterAll(() => g.close());

  it('are deterministic, so an identical prompt is a hit at any threshold', async () => {
    const index = createMemoryIndex({});
    const a = await embedPrompt(g, 'mock-embed', ask('What is the capital of France?'));
    expect(a.length).toBe(256);
    await index.add('s', a, 'e', 60_000);
    const hit = await index.search('s', await embedPrompt(g, 'mock-embed', ask('What is the capital of France?')), 0.999);
    expect(hit?.score).toBeCloseTo(1, 5);
  });

  it('are hashes of the text, unrelated for a reworded prompt: too blunt to test a threshold with', async () => {
    const index = createMemoryIndex({});
    await index.add('s', await embedPrompt(g, 'mock-embed', ask('What is the capital of France?')), 'e', 60_000);
    expect(await index.search('s', await embedPrompt(g, 'mock-embed', ask('What is the capital of France ?')), 0.5)).toBeNull();
  });
});
