import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Plugin } from '@tollgate/core';
import { openaiAdapter } from '@tollgate/adapter-openai';
import { startMockOpenAI, type MockOpenAIServer } from '@tollgate/testing';
import { openaiAt, serve, serveFile, text, type Served } from './serve.js';

let served: Served | undefined;
const upstreams: MockOpenAIServer[] = [];
afterEach(async () => {
  await served?.close();
  served = undefined;
  for (const u of upstreams.splice(0)) await u.close();
});

async function mockOpenAI(): Promise<MockOpenAIServer> {
  const u = await startMockOpenAI();
  upstreams.push(u);
  return u;
}

const entry = (group: string, id: string, params: Record<string, unknown> = {}) =>
  ({ model_name: group, params: { model: `mock/${id}`, mock_response: id, ...params }, model_info: { id } });

/** OpenAI's answer to a prompt over the context window (its error code is what the adapter reads). */
const CONTEXT_TOO_LONG = JSON.stringify({ error: { message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens. Please reduce the length of the messages.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } });
/** Azure OpenAI's content filter refusal. */
const CONTENT_FILTERED = JSON.stringify({ error: { message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.", type: null, param: 'prompt', code: 'content_filter', status: 400, innererror: { code: 'ResponsibleAIPolicyViolation', content_filter_result: { hate: { filtered: true, severity: 'high' } } } } });

describe('retries', () => {
  it("retries a 429 after the upstream's retry-after", async () => {
    const u = await mockOpenAI();
    served = await serve({ model_list: [{ model_name: 'g', params: openaiAt(u.url) }] });
    u.setNext({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    const started = performance.now();
    const r = await served.chat({ model: 'g' });
    expect([r.status, r.headers.get('x-tollgate-attempts')]).toEqual([200, '2']);
    expect(u.requests).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('never retries a 400, on the same deployment or another', async () => {
    const u = await mockOpenAI();
    served = await serve({ model_list: [{ model_name: 'g', params: openaiAt(u.url) }, { model_name: 'g', params: openaiAt(u.url, 'gpt-4o') }, entry('other', 'other')], router: { fallbacks: [{ g: ['other'] }] } });
    u.setNext({ kind: 'status', status: 400, body: JSON.stringify({ error: { message: "Invalid value for 'tool_choice': 'auto' is only allowed when 'tools' are specified.", type: 'invalid_request_error', param: 'tool_choice', code: null } }) });
    const r = await served.chat({ model: 'g' });
    expect([r.status, r.body.error.param, r.headers.get('x-tollgate-attempts')]).toEqual([400, 'tool_choice', '1']);
    expect(u.requests).toHaveLength(1);
  });

  it('takes the number of retries from x-tollgate-num-retries or the body, over the config', async () => {
    served = await serve({ model_list: [entry('g', 'down', { mock_fault: { status: 503 } })], router: { num_retries: 0, retry_after: 0 } });
    expect((await served.chat({ model: 'g' })).headers.get('x-tollgate-attempts')).toBe('1');
    expect((await served.chat({ model: 'g' }, { 'x-tollgate-num-retries': '2' })).headers.get('x-tollgate-attempts')).toBe('3');
    expect((await served.chat({ model: 'g', num_retries: 1 })).headers.get('x-tollgate-attempts')).toBe('2');
    const bad = await served.chat({ model: 'g' }, { 'x-tollgate-num-retries': 'many' });
    expect([bad.status, bad.body.error.param]).toEqual([400, 'x-tollgate-num-retries']);
  });
});

describe('credentials from the network', () => {
  it('does not cool a deployment whose expired token the core refreshed and retried', async () => {
    const u = await startMockOpenAI({ apiKey: 'token-2' });
    upstreams.push(u);
    let fetched = 0;
    // An OpenAI deployment whose bearer token comes from a token endpoint (as Vertex AI or Entra ID do).
    const tokened: Plugin = {
      name: 'test-token-auth',
      apply(g) {
        g.registerAdapter({
          ...openaiAdapter,
          prepare(d, env) {
            return { ...openaiAdapter.prepare(d, env), authorize: async (req, creds) => { req.headers.authorization = `Bearer ${await creds.get('token', async () => ({ value: `token-${++fetched}`, expiresAt: Date.now() + 3_600_000 }))}`; } };
          },
        });
      },
    };
    served = await serve({
      model_list: [{ model_name: 'g', params: { ...openaiAt(u.url), order: 1 }, model_info: { id: 'tokened' } }, entry('g', 'other', { order: 2 })],
      router: { cooldown_time: 60 },
    }, [tokened]);
    const first = await served.chat({ model: 'g' }); // token-1 refused (401), token-2 fetched and accepted
    expect([first.status, first.deployment, first.headers.get('x-tollgate-attempts')]).toEqual([200, 'tokened', '2']);
    const next = await served.chat({ model: 'g' });
    expect([next.deployment, next.headers.get('x-tollgate-attempts')]).toEqual(['tokened', '1']);
  });
});

describe('fallbacks', () => {
  it('tries fallback groups in order, depth first, and says which group answered', async () => {
    served = await serve({
      model_list: [entry('primary', 'p', { mock_fault: { status: 500 } }), entry('second', 's', { mock_fault: { status: 503 } }), entry('third', 't')],
      router: { num_retries: 0, fallbacks: [{ primary: ['second', 'third'] }] },
    });
    const r = await served.chat({ model: 'primary' });
    expect([r.status, text(r), r.headers.get('x-tollgate-fallback'), r.headers.get('x-tollgate-attempts')]).toEqual([200, 't', 'third', '3']);
    expect(served.attempts.at(-1)).toEqual(['primary', 'second', 'third']);
  });

  it('honours request-level fallbacks and disable_fallbacks', async () => {
    served = await serve({
      model_list: [entry('primary', 'p', { mock_fault: { status: 500 } }), entry('configured', 'c'), entry('asked', 'a')],
      router: { num_retries: 0, fallbacks: [{ primary: ['configured'] }] },
    });
    expect(text(await served.chat({ model: 'primary', fallbacks: ['asked'] }))).toBe('a');
    expect((await served.chat({ model: 'primary', disable_fallbacks: true })).status).toBe(500);
  });

  it("falls back on OpenAI's context_length_exceeded to context_window_fallbacks, not the general list", async () => {
    const u = await mockOpenAI();
    served = await serve({
      model_list: [{ model_name: 'short', params: openaiAt(u.url) }, entry('long', 'long'), entry('other', 'other')],
      router: { context_window_fallbacks: [{ short: ['long'] }], fallbacks: [{ short: ['other'] }] },
    });
    u.setNext({ kind: 'status', status: 400, body: CONTEXT_TOO_LONG });
    const r = await served.chat({ model: 'short' });
    expect([r.status, text(r), r.headers.get('x-tollgate-fallback'), r.headers.get('x-tollgate-attempts')]).toEqual([200, 'long', 'long', '2']);
  });

  it("falls back on Azure's content filter to content_policy_fallbacks", async () => {
    const u = await mockOpenAI();
    served = await serve({
      model_list: [{ model_name: 'strict', params: openaiAt(u.url) }, entry('lenient', 'lenient'), entry('other', 'other')],
      router: { content_policy_fallbacks: [{ strict: ['lenient'] }], fallbacks: [{ strict: ['other'] }] },
    });
    u.setNext({ kind: 'status', status: 400, body: CONTENT_FILTERED });
    const r = await served.chat({ model: 'strict' });
    expect([r.status, text(r), r.headers.get('x-tollgate-fallback')]).toEqual([200, 'lenient', 'lenient']);
  });

  it('with enable_pre_call_checks, skips a deployment whose context window is too small without calling it', async () => {
    const u = await mockOpenAI();
    served = await serve({
      model_list: [{ model_name: 'short', params: openaiAt(u.url), model_info: { max_input_tokens: 50 } }, entry('long', 'long')],
      router: { enable_pre_call_checks: true, context_window_fallbacks: [{ short: ['long'] }] },
    });
    const r = await served.chat({ model: 'short', messages: [{ role: 'user', content: 'word '.repeat(200) }] });
    expect([r.status, text(r), r.headers.get('x-tollgate-attempts')]).toEqual([200, 'long', '1']);
    expect(u.requests).toHaveLength(0);
    expect((await served.chat({ model: 'short' })).status).toBe(200);
    expect(u.requests).toHaveLength(1);
  });

  it('serves alias and wildcard groups, with their fallbacks', async () => {
    served = await serve({
      model_list: [entry('primary', 'p', { mock_fault: { status: 500 } }), entry('backup', 'b'), { model_name: 'mock/*', params: { model: 'mock/*', mock_fault: { status: 503 } } }],
      router: { num_retries: 0, model_group_alias: { gpt4: 'primary' }, fallbacks: [{ primary: ['backup'] }], default_fallbacks: ['backup'] },
    });
    const alias = await served.chat({ model: 'gpt4' });
    expect([alias.status, text(alias), alias.headers.get('x-tollgate-fallback')]).toEqual([200, 'b', 'backup']);
    const wildcard = await served.chat({ model: 'mock/some-model' });
    expect([wildcard.status, text(wildcard), wildcard.headers.get('x-tollgate-fallback')]).toEqual([200, 'b', 'backup']);
    expect(served.attempts.at(-1)).toEqual(['mock/some-model', 'backup']);
  });
});

describe('streams', () => {
  it('retries a stream that fails before its first content on another deployment, invisibly', async () => {
    const u = await mockOpenAI();
    served = await serve({ model_list: [{ model_name: 'g', params: { ...openaiAt(u.url), order: 1 } }, entry('g', 'second', { order: 2 })] });
    u.setNext({ kind: 'stream-error', afterChunks: 1 }); // the role chunk, then an error event
    const r = await served.stream({ model: 'g' });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-tollgate-attempts')).toBe('2');
    expect(r.headers.get('x-tollgate-deployment')).toBe('second');
    expect(r.text).not.toContain('"error"');
    expect(r.text).toContain('second');
    expect(r.text.trim().endsWith('data: [DONE]')).toBe(true);
  });

  it('ends a stream that fails after its first content with an error event, never splicing in another answer', async () => {
    served = await serve({ model_list: [entry('g', 'cut', { order: 1, mock_stream_chunks: 6, mock_response: 'one two three four five six', mock_fault: { cut_after_chunks: 3 } }), entry('g', 'second', { order: 2 })] });
    const r = await served.stream({ model: 'g' });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-tollgate-attempts')).toBe('1');
    expect(r.text).toContain('one');
    expect(r.text).toMatch(/data: \{"error":/);
    expect(r.text).not.toContain('second');
    expect(r.text).not.toContain('[DONE]');
  });
});

describe('configuration', () => {
  it('runs an unchanged LiteLLM config.yaml with router_settings', async () => {
    const u = await mockOpenAI();
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'tollgate-lb-')), 'config.yaml');
    writeFileSync(file, `model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_base: ${u.url}/v1
      api_key: os.environ/TEST_OPENAI_KEY
      rpm: 100
      order: 1
  - model_name: gpt-4o
    litellm_params:
      model: mock/gpt-4o-backup
      mock_response: from the second deployment
      rpm: 100
  - model_name: gpt-4o-mini
    litellm_params:
      model: mock/gpt-4o-mini
      mock_response: from the fallback
router_settings:
  routing_strategy: usage-based-routing-v2
  num_retries: 2
  allowed_fails: 1
  cooldown_time: 30
  retry_policy:
    RateLimitErrorRetries: 1
  enable_pre_call_checks: true
  model_group_alias: { gpt4: gpt-4o }
litellm_settings:
  drop_params: true
  fallbacks: [{ "gpt-4o": ["gpt-4o-mini"] }]
  context_window_fallbacks: [{ "gpt-4o": ["gpt-4o-mini"] }]
general_settings:
  master_key: sk-master
environment_variables:
  TEST_OPENAI_KEY: sk-test
`);
    served = await serveFile(file);
    expect(served.logs.map((l) => l.msg)).toEqual([]);
    const auth = { authorization: 'Bearer sk-master' };
    const first = await served.chat({ model: 'gpt4' }, auth);
    expect([first.status, first.deployment]).toEqual([200, 'gpt-4o#0']);
    u.setNext({ kind: 'status', status: 400, body: CONTEXT_TOO_LONG });
    const r = await served.chat({ model: 'gpt4' }, auth);
    expect([r.status, text(r), r.headers.get('x-tollgate-fallback'), r.headers.get('x-tollgate-attempts')]).toEqual([200, 'from the fallback', 'gpt-4o-mini', '2']);
  });

  it('refuses a bad router_settings value at start-up, naming the path as written', async () => {
    await expect(serve({ model_list: [entry('g', 'a')], router_settings: { retry_policy: { RateLimitErrorRetries: -1 }, routing_strategy: 'fastest' } }))
      .rejects.toThrow(/router_settings\.retry_policy\.RateLimitErrorRetries: must be >= 0[\s\S]*router_settings\.routing_strategy: must be one of/);
  });
});
