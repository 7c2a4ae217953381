import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import anthropicPlugin from '../../adapters-anthropic/src/index.js';
import { startMockAnthropic, type MockAnthropicServer } from '../../testing/src/anthropic-mock.js';
import { startMockOpenAI, type MockOpenAIServer } from '../../testing/src/openai-mock.js';
import { startServer, type Running } from './helpers.js';

/**
 * Seeded fuzzing of every inbound endpoint: valid bodies mutated at random (values swapped for
 * other types, nulls, deep nesting, keys dropped or added, text truncated or corrupted). Whatever a
 * client sends, the answer is never >= 500. The seed is fixed, so a failure reproduces; set
 * FUZZ_SEED to explore others.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20251201);
const PER_ENDPOINT = 3000;

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type J = null | boolean | number | string | J[] | { [k: string]: J };

const CHAT: J[] = [
  { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
  { model: 'm', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'system', content: 's' }, { role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }] },
  { model: 'm', tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'string' } } } } }], tool_choice: 'auto', messages: [{ role: 'user', content: 'call f' }] },
  { model: 'm', messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }], thinking_blocks: [{ type: 'thinking', thinking: 't', signature: 's' }] }, { role: 'tool', tool_call_id: 'c1', content: 'r' }] },
  { model: 'm', response_format: { type: 'json_schema', json_schema: { name: 'o', schema: { type: 'object' } } }, metadata: { tags: ['a'] }, messages: [{ role: 'user', content: 'j' }] },
];
const EMBEDDINGS: J[] = [
  { model: 'e', input: 'hello' },
  { model: 'e', input: ['a', 'b'], dimensions: 4, encoding_format: 'base64' },
  { model: 'e', input: [[1, 2, 3]] },
];
const MESSAGES: J[] = [
  { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
  { model: 'm', max_tokens: 10, stream: true, system: [{ type: 'text', text: 's', cache_control: { type: 'ephemeral' } }], messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }] }] },
  { model: 'm', max_tokens: 10, tools: [{ name: 'f', input_schema: { type: 'object' } }, { type: 'web_search_20250305', name: 'web_search' }], tool_choice: { type: 'auto' }, messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: 's' }, { type: 'tool_use', id: 't1', name: 'f', input: {} }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'r' }] }] }] },
  { model: 'm', max_tokens: 10, thinking: { type: 'enabled', budget_tokens: 1024 }, metadata: { user_id: 'u' }, stop_sequences: ['x'], messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'doc' } }] }] },
];

const KEYS = ['model', 'messages', 'content', 'role', 'type', 'text', 'tools', 'tool_choice', 'function', 'name', 'parameters', 'arguments', 'tool_calls', 'thinking_blocks', 'source', 'data', 'input', 'dimensions', 'stream', 'stream_options', 'max_tokens', 'system', 'image_url', 'url', 'tool_use_id', 'metadata', 'response_format', 'json_schema', 'schema', 'n', '__proto__', 'constructor', 'toString'];

/** Stands for 6,000 levels of nesting, spliced in as text (building it as an object would overflow here too). */
const DEEP = '\u0001deep';
const DEEP_TEXT = '{"a":['.repeat(3000) + '1' + ']}'.repeat(3000);

function deep(depth: number, leaf: J): J {
  let v: J = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

function fuzzer(rand: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const value = (): J => pick<() => J>([
    () => null, () => true, () => false, () => 0, () => -1, () => 1e308, () => 2 ** 53 + 1, () => 0.5, () => 1e6,
    () => '', () => 'x', () => 'x'.repeat(1 + Math.floor(rand() * 5000)), () => '\u0000\ud800🙂', () => '%ZZ', () => 'mock/m',
    () => [], () => [null], () => [{}], () => ({}), () => ({ type: null }), () => ({ type: pick(['text', 'image', 'tool_result', 'tool_use', 'thinking', 'function', 'image_url', 'document', 'redacted_thinking']) }),
    () => deep(1 + Math.floor(rand() * 150), null), () => DEEP,
    () => [pick(KEYS)], () => ({ [pick(KEYS)]: null }),
  ])();
  const paths = (v: J, at: Array<string | number> = [], out: Array<Array<string | number>> = []) => {
    out.push(at);
    if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
    else if (v && typeof v === 'object') for (const k of Object.keys(v)) paths(v[k], [...at, k], out);
    return out;
  };
  const parentOf = (root: J, path: Array<string | number>): J => path.slice(0, -1).reduce<J>((o, k) => (o as Record<string, J>)[k as string], root);
  const mutate = (root: J): J => {
    const all = paths(root);
    const path = pick(all);
    if (path.length === 0) return rand() < 0.5 ? value() : root;
    const parent = parentOf(root, path) as Record<string | number, J>;
    const last = path[path.length - 1];
    const op = rand();
    if (op < 0.55) parent[last] = value();
    else if (op < 0.7 && !Array.isArray(parent)) delete parent[last];
    else if (op < 0.85) { const t = parent[last]; if (t && typeof t === 'object' && !Array.isArray(t)) (t as Record<string, J>)[pick(KEYS)] = value(); else parent[last] = { [pick(KEYS)]: value() }; }
    else if (Array.isArray(parent[last])) (parent[last] as J[]).push(value(), null);
    else parent[last] = [parent[last], value()];
    return root;
  };
  const body = (seeds: J[], models: readonly string[]): string => {
    let v = structuredClone(pick(seeds));
    (v as Record<string, J>).model = pick(models);
    const n = 1 + Math.floor(rand() * 4);
    for (let i = 0; i < n; i++) v = mutate(v);
    const text = (JSON.stringify(v) ?? 'null').replaceAll(JSON.stringify(DEEP), DEEP_TEXT);
    const r = rand();
    if (r < 0.05) return text.slice(0, Math.floor(rand() * text.length));
    if (r < 0.08) { const i = Math.floor(rand() * text.length); return text.slice(0, i) + pick(['{', '}', '"', '\\', ',', ']', '\u0000']) + text.slice(i + 1); }
    return text;
  };
  const segment = (): string => pick(['%ZZ', '%', '%E0%A4%A', 'm', 'm%2Fx', '..%2F..', '%00', 'x'.repeat(300), encodeURIComponent(JSON.stringify(value()).replace(/[\ud800-\udfff]/g, '?')).slice(0, 400)]);
  return { body, segment };
}

/**
 * The mock provider, and the OpenAI and Anthropic adapters in front of strict local mocks of their
 * APIs (embeddings go to the mock provider only: the strict OpenAI mock, running in this process,
 * would build whatever huge vector a fuzzed `dimensions` asks for).
 */
const CHAT_MODELS = ['m', 'o', 'a'] as const;

let tg: Running;
let pool: Pool;
let openaiUp: MockOpenAIServer;
let anthropicUp: MockAnthropicServer;
beforeAll(async () => {
  openaiUp = await startMockOpenAI();
  anthropicUp = await startMockAnthropic();
  tg = await startServer({
    model_list: [
      { model_name: 'm', params: { model: 'mock/m' } },
      { model_name: 'e', params: { model: 'mock/e' } },
      { model_name: 'o', params: { model: 'openai/gpt-4o-mini', api_base: `${openaiUp.url}/v1`, api_key: 'sk-test' } },
      { model_name: 'a', params: { model: 'anthropic/claude-sonnet-4-5', api_base: anthropicUp.url, api_key: 'test-key' } },
    ],
  }, [anthropicPlugin]);
  pool = new Pool(tg.url, { connections: 8, pipelining: 1 });
});
afterAll(async () => { await pool.close(); await tg.close(); await openaiUp.close(); await anthropicUp.close(); });

async function run(requests: Array<{ method: string; path: string; body?: string }>): Promise<Array<{ status: number; req: { method: string; path: string; body?: string }; text: string }>> {
  const failures: Array<{ status: number; req: { method: string; path: string; body?: string }; text: string }> = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const req = requests[next++];
      const res = await pool.request({ method: req.method as 'POST', path: req.path, body: req.body, headers: req.body === undefined ? {} : { 'content-type': 'application/json' } });
      const text = await res.body.text();
      if (res.statusCode >= 500) failures.push({ status: res.statusCode, req, text });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return failures;
}

describe(`fuzzing with seed ${SEED}: no client input gets a 5xx`, () => {
  const f = fuzzer(prng(SEED));
  const cases: Array<[string, () => { method: string; path: string; body?: string }]> = [
    ['/v1/chat/completions', () => ({ method: 'POST', path: '/v1/chat/completions', body: f.body(CHAT, CHAT_MODELS) })],
    ['/v1/embeddings', () => ({ method: 'POST', path: '/v1/embeddings', body: f.body(EMBEDDINGS, ['e']) })],
    ['/v1/messages', () => ({ method: 'POST', path: '/v1/messages', body: f.body(MESSAGES, CHAT_MODELS) })],
    ['/v1/messages/count_tokens', () => ({ method: 'POST', path: '/v1/messages/count_tokens', body: f.body(MESSAGES, CHAT_MODELS) })],
    ['/v1/models/*', () => ({ method: 'GET', path: `/v1/models/${f.segment()}` })],
  ];
  for (const [name, make] of cases) {
    it(`${name}: ${PER_ENDPOINT} malformed requests`, async () => {
      const failures = await run(Array.from({ length: PER_ENDPOINT }, make));
      expect(failures.slice(0, 3).map((x) => `${x.status} ${x.text.slice(0, 200)} <- ${x.req.path} ${x.req.body?.slice(0, 2000)}`)).toEqual([]);
    });
  }
});
