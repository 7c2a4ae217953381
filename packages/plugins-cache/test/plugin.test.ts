import { afterEach, describe, expect, it } from 'vitest';
import { STAGE_DEFAULT, type ChatCompletion, type Plugin } from '@tollgate/core';
import costPlugin, { COST_RECORDS } from '@tollgate/plugin-cost';
import guardrails from '@tollgate/plugin-guardrails';
import { gatewayWith, keyCaller, settled, sleep, user, type TestGateway } from './helpers.js';

let t: TestGateway;
afterEach(async () => t?.close());

const ask = (content = 'Hi', extra: Record<string, unknown> = {}, opts: Record<string, unknown> = {}) =>
  t.gateway.chat({ model: 'm', messages: [user(content)], ...extra } as never, opts) as Promise<ChatCompletion>;

describe('exact cache, in memory', () => {
  it('stores a miss and answers the same request from the cache without going upstream', async () => {
    t = await gatewayWith();
    const a = await ask();
    await settled(t, 1);
    expect(t.last()).toMatchObject({ outcome: 'ok', cache: 'store', attempts: 1 });
    const b = await ask();
    await settled(t, 2);
    expect(t.last()).toMatchObject({ outcome: 'cache_hit', cache: 'hit', attempts: 0 });
    expect(b).toEqual(a);
    expect(t.seen[0].key).toMatch(/^[0-9a-f]{64}$/);
    expect(t.seen[1].key).toBe(t.seen[0].key);
  });

  it('misses when an answer-changing field differs, and hits whatever user, stream_options, metadata or key order say', async () => {
    t = await gatewayWith();
    await ask('Hi', { temperature: 0.2, max_tokens: 50 });
    await ask('Hi', { temperature: 0.3, max_tokens: 50 });
    await ask('Hi', { max_tokens: 50, temperature: 0.2, user: 'someone', metadata: { a: 1 } });
    await ask('Hi', { temperature: 0.2, max_completion_tokens: 50 });
    await ask('Hi', { temperature: 0.2, max_tokens: 50, seed: 7 });
    await settled(t, 5);
    expect(t.seen.map((s) => s.cache)).toEqual(['store', 'store', 'hit', 'hit', 'store']);
  });

  it('keeps model groups apart', async () => {
    t = await gatewayWith();
    await ask();
    await t.gateway.chat({ model: 'other', messages: [user('Hi')] });
    await settled(t, 2);
    expect(t.seen.map((s) => s.cache)).toEqual(['store', 'store']);
  });

  it('expires entries after their TTL', async () => {
    t = await gatewayWith({ ttl: 0.05 });
    await ask();
    await ask();
    await sleep(80);
    await ask();
    await settled(t, 3);
    expect(t.seen.map((s) => s.cache)).toEqual(['store', 'hit', 'store']);
  });

  it('caches embeddings and text completions', async () => {
    t = await gatewayWith();
    const e1 = await t.gateway.embeddings({ model: 'embed', input: 'hello' });
    const e2 = await t.gateway.embeddings({ model: 'embed', input: 'hello' });
    await t.gateway.completions({ model: 'm', prompt: 'Say hi' });
    await t.gateway.completions({ model: 'm', prompt: 'Say hi' });
    await settled(t, 4);
    expect(t.seen.map((s) => s.cache)).toEqual(['store', 'hit', 'store', 'hit']);
    expect(e2).toEqual(e1);
  });

  it('leaves operations outside supported_call_types alone (no header, no collection)', async () => {
    t = await gatewayWith({ supported_call_types: ['acompletion'] });
    await t.gateway.embeddings({ model: 'embed', input: 'hello' });
    await t.gateway.embeddings({ model: 'embed', input: 'hello' });
    await ask();
    await settled(t, 3);
    expect(t.seen.map((s) => [s.cache, s.collecting])).toEqual([[undefined, false], [undefined, false], ['store', true]]);
  });

  it('leaves model groups outside model_groups on the fast path', async () => {
    t = await gatewayWith({ model_groups: ['other'] });
    await ask();
    await ask();
    for await (const _ of await t.gateway.chat({ model: 'm', stream: true, messages: [user('Hi')] })) { /* read */ }
    await settled(t, 3);
    expect(t.seen.map((s) => [s.outcome, s.cache, s.collecting, s.requestChanged])).toEqual([['ok', undefined, false, false], ['ok', undefined, false, false], ['ok', undefined, false, false]]);
  });

  it('mode default_off caches only requests with use-cache', async () => {
    t = await gatewayWith({ mode: 'default_off' });
    await ask();
    await ask();
    await ask('Hi', { cache: { 'use-cache': true } });
    await ask('Hi', { cache: { 'use-cache': true } });
    await settled(t, 4);
    expect(t.seen.map((s) => s.cache)).toEqual([undefined, undefined, 'store', 'hit']);
  });
});

describe('per-request controls', () => {
  it('body no-cache skips the lookup and stores the fresh answer', async () => {
    t = await gatewayWith();
    await ask();
    await ask('Hi', { cache: { 'no-cache': true } });
    await settled(t, 2);
    expect(t.last()).toMatchObject({ outcome: 'ok', cache: 'bypass', attempts: 1 });
  });

  it('body no-store answers from the cache but never stores', async () => {
    t = await gatewayWith();
    await ask('Hi', { cache: { 'no-store': true } });
    await ask('Hi', { cache: { 'no-store': true } });
    await ask();
    await ask('Hi', { cache: { 'no-store': true } });
    await settled(t, 4);
    expect(t.seen.map((s) => s.cache)).toEqual(['miss', 'miss', 'store', 'hit']);
  });

  it('body ttl sets the entry lifetime', async () => {
    t = await gatewayWith({ ttl: 600 });
    await ask('Hi', { cache: { ttl: 0.05 } });
    await ask();
    await sleep(80);
    await ask();
    await settled(t, 3);
    expect(t.seen.map((s) => s.cache)).toEqual(['store', 'hit', 'store']);
  });

  it('body s-maxage accepts only entries young enough', async () => {
    t = await gatewayWith();
    await ask();
    await sleep(60);
    await ask('Hi', { cache: { 's-maxage': 10 } });
    await ask('Hi', { cache: { 's-maxage': 0.03 } });
    await settled(t, 3);
    expect(t.seen.map((s) => s.cache)).toEqual(['store', 'hit', 'store']);
  });

  it('body namespace keeps its own entries', async () => {
    t = await gatewayWith();
    await ask('Hi', { cache: { namespace: 'a' } });
    await ask('Hi', { cache: { namespace: 'b' } });
    await ask('Hi', { cache: { namespace: 'a' } });
    await ask();
    await settled(t, 4);
    expect(t.seen.map((s) => s.cache)).toEqual(['store', 'store', 'hit', 'store']);
  });

  it('Cache-Control: no-cache, no-store and max-age=N', async () => {
    t = await gatewayWith();
    const h = (v: string) => ({ headers: { 'cache-control': v } });
    await ask('Hi', {}, h('no-store'));
    await ask();
    await ask('Hi', {}, h('no-cache'));
    await sleep(60);
    await ask('Hi', {}, h('max-age=0.03'));
    await ask('Hi', {}, h('max-age=60'));
    await ask('Hi', {}, h('max-age=0'));
    await settled(t, 6);
    expect(t.seen.map((s) => s.cache)).toEqual(['miss', 'store', 'bypass', 'store', 'hit', 'bypass']);
  });

  it('never sends the cache field upstream (and warns of nothing)', async () => {
    t = await gatewayWith();
    await ask('Hi', { cache: { 'no-cache': true, ttl: 60 } });
    await settled(t, 1);
    expect(t.last().upstreamBody).not.toHaveProperty('cache');
    expect(t.last().warnings).toEqual([]);
  });

  it('takes the cache field out for model groups it does not cache too', async () => {
    t = await gatewayWith({ model_groups: ['other'] });
    await ask('Hi', { cache: { 'no-cache': true } });
    await settled(t, 1);
    expect(t.last().upstreamBody).not.toHaveProperty('cache');
    expect(t.last().cache).toBeUndefined();
  });

  it('answers a malformed control with a 400 in OpenAI\'s envelope', async () => {
    t = await gatewayWith();
    const err = await ask('Hi', { cache: { ttl: 'soon' } }).catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.toJSON().error).toMatchObject({ param: 'cache', code: 'invalid_cache_control' });
  });

  it('ignores the controls of a caller barred from them', async () => {
    t = await gatewayWith();
    const barred = keyCaller('k1', null, { cacheControls: false });
    await ask('Hi', {}, { caller: barred });
    await ask('Hi', { cache: { 'no-cache': true } }, { caller: barred });
    await settled(t, 2);
    expect(t.last().cache).toBe('hit');
    expect(t.last().warnings.join()).toMatch(/cache controls ignored/);
  });
});

describe('tenants', () => {
  it("key A's entry is a miss for key B, and keys of one team do not share either", async () => {
    t = await gatewayWith();
    await ask('Hi', {}, { caller: keyCaller('a', 'team1') });
    await ask('Hi', {}, { caller: keyCaller('b', 'team1') });
    await ask('Hi', {}, { caller: keyCaller('a', 'team1') });
    await settled(t, 3);
    expect(t.seen.map((s) => s.cache)).toEqual(['store', 'store', 'hit']);
    expect(t.seen[0].key).not.toBe(t.seen[1].key);
  });

  it('scope: shared makes one cache for every key', async () => {
    t = await gatewayWith({ scope: 'shared' });
    await ask('Hi', {}, { caller: keyCaller('a') });
    await ask('Hi', {}, { caller: keyCaller('b') });
    await settled(t, 2);
    expect(t.seen.map((s) => s.cache)).toEqual(['store', 'hit']);
  });

  it('never answers a caller the model is not allowed to', async () => {
    t = await gatewayWith({ scope: 'shared' });
    await ask('Hi', {}, { caller: keyCaller('a') });
    const err = await ask('Hi', {}, { caller: keyCaller('b', null, { models: ['other'] }) }).catch((e) => e);
    expect(err.status).toBe(403);
  });
});

describe('streams', () => {
  const stream = async (content: string, extra: Record<string, unknown> = {}) => {
    const chunks: any[] = [];
    for await (const c of await t.gateway.chat({ model: 'm', stream: true, messages: [user(content)], ...extra } as never)) chunks.push(c);
    return chunks;
  };
  const textOf = (chunks: any[]) => chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');

  it('stores a complete stream; a non-stream request gets the assembled answer', async () => {
    t = await gatewayWith();
    const chunks = await stream('Tell me');
    const r = await ask('Tell me');
    await settled(t, 2);
    expect(t.seen.map((s) => s.cache)).toEqual(['store', 'hit']);
    expect(r.choices[0].message.content).toBe(textOf(chunks));
    expect(r.choices[0].finish_reason).toBe('stop');
    expect(r.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('replays a stored answer as chunks, with the usage chunk only when asked', async () => {
    t = await gatewayWith();
    const r = await ask('Tell me');
    const plain = await stream('Tell me');
    const withUsage = await stream('Tell me', { stream_options: { include_usage: true } });
    await settled(t, 3);
    expect(t.seen.map((s) => s.cache)).toEqual(['store', 'hit', 'hit']);
    expect(textOf(plain)).toBe(r.choices[0].message.content);
    expect(plain.some((c) => c.usage)).toBe(false);
    expect(withUsage[withUsage.length - 1].usage).toEqual(r.usage);
  });

  it('legacy completions: a streamed answer is stored and replayed', async () => {
    t = await gatewayWith();
    let text = '';
    for await (const c of await t.gateway.completions({ model: 'm', prompt: 'Say hi', stream: true }) as AsyncIterable<any>) text += c.choices[0]?.text ?? '';
    const r: any = await t.gateway.completions({ model: 'm', prompt: 'Say hi' });
    let replayed = '';
    for await (const c of await t.gateway.completions({ model: 'm', prompt: 'Say hi', stream: true }) as AsyncIterable<any>) replayed += c.choices[0]?.text ?? '';
    await settled(t, 3);
    expect(t.seen.map((s) => s.cache)).toEqual(['store', 'hit', 'hit']);
    expect(text.length).toBeGreaterThan(0);
    expect(r.choices[0].text).toBe(text);
    expect(replayed).toBe(text);
  });

  it('never stores a cut stream', async () => {
    t = await gatewayWith();
    for (let i = 0; i < 2; i++) {
      await (async () => { for await (const _ of await t.gateway.chat({ model: 'cut', stream: true, messages: [user('a long enough answer to cut')] })) { /* read */ } })().catch(() => undefined);
    }
    await settled(t, 2);
    expect(t.seen.map((s) => s.outcome)).toEqual(['error', 'error']);
    expect(t.seen[1].attempts).toBe(1);
  });

  it('never stores a stream the client abandoned', async () => {
    t = await gatewayWith();
    const s = await t.gateway.chat({ model: 'slow', stream: true, messages: [user('x')] });
    for await (const _ of s) break;
    await settled(t, 1);
    await t.gateway.chat({ model: 'slow', messages: [user('x')] });
    await settled(t, 2);
    expect(t.seen.map((x) => x.outcome)).toEqual(['aborted', 'ok']);
    expect(t.seen[1].attempts).toBe(1);
  });
});

describe('never stored', () => {
  it('errors', async () => {
    t = await gatewayWith();
    for (let i = 0; i < 2; i++) await t.gateway.chat({ model: 'broken', messages: [user('x')] }).catch(() => undefined);
    await settled(t, 2);
    expect(t.seen.map((s) => [s.outcome, s.attempts])).toEqual([['error', 1], ['error', 1]]);
  });

  const contentFilter: Plugin = {
    name: 'test-content-filter',
    apply(g) {
      g.hooks.transformResponse.tapPromise({ name: 'test-content-filter', stage: STAGE_DEFAULT }, async (res: any) => {
        if (res.choices?.[0]?.message?.content === 'filtered') res.choices[0].finish_reason = 'content_filter';
        return res;
      });
    },
  };

  it('answers cut by a content filter', async () => {
    t = await gatewayWith({}, { plugins: [contentFilter] });
    await ask('filtered');
    await ask('filtered');
    await settled(t, 2);
    expect(t.seen.map((s) => [s.cache, s.attempts])).toEqual([['miss', 1], ['miss', 1]]);
  });

  const guard: Plugin = {
    name: 'test-guard',
    apply(g) {
      g.hooks.transformResponse.tapPromise({ name: 'test-guard', stage: STAGE_DEFAULT }, async (res: any, ctx) => {
        ctx.blockedBy = 'test-guard';
        return res;
      });
    },
  };

  it('answers a guardrail blocked or replaced', async () => {
    t = await gatewayWith({}, { plugins: [guard] });
    await ask();
    await ask();
    await settled(t, 2);
    expect(t.seen.map((s) => [s.cache, s.attempts])).toEqual([['miss', 1], ['miss', 1]]);
  });
});

describe('never stored, with the real plugins and streams', () => {
  it('an answer @tollgate/plugin-guardrails masked (post_call PII, which sets ctx.blockedBy)', async () => {
    t = await gatewayWith({}, { plugins: [[guardrails, { guardrails: [{ name: 'pii', type: 'pii', mode: 'post_call', default_on: true }] }]] });
    const secret = 'write to jane.doe@example.com';
    const r1 = await ask(secret);
    const r2 = await ask(secret);
    await ask('nothing personal');
    await ask('nothing personal');
    await settled(t, 4);
    expect(r1.choices[0].message.content).not.toContain('jane.doe@example.com');
    expect(r2.choices[0].message.content).toBe(r1.choices[0].message.content);
    expect(t.seen.map((s) => [s.cache, s.attempts])).toEqual([['miss', 1], ['miss', 1], ['store', 1], ['hit', 0]]);
  });

  it('a stream @tollgate/plugin-guardrails masked (post_call PII through its stream window)', async () => {
    t = await gatewayWith({}, { plugins: [[guardrails, { guardrails: [{ name: 'pii', type: 'pii', mode: 'post_call', default_on: true }] }]] });
    const read = async (content: string) => {
      let text = '';
      for await (const c of await t.gateway.chat({ model: 'm', stream: true, messages: [user(content)] })) text += c.choices[0]?.delta.content ?? '';
      return text;
    };
    const first = await read('write to jane.doe@example.com');
    const second = await read('write to jane.doe@example.com');
    await settled(t, 2);
    expect(first).not.toContain('jane.doe@example.com');
    expect(second).toBe(first);
    expect(t.seen.map((s) => [s.cache, s.attempts])).toEqual([['miss', 1], ['miss', 1]]);
  });

  it('a stream that finished with content_filter', async () => {
    const filter: Plugin = {
      name: 'test-stream-filter',
      apply(g) {
        g.hooks.preRoute.tapPromise({ name: 'test-stream-filter', stage: STAGE_DEFAULT, marksChanges: true }, async (_req, ctx) => {
          ctx.watchChunks((chunk: any) => {
            if (chunk?.choices?.[0]?.finish_reason) chunk.choices[0].finish_reason = 'content_filter';
            return chunk;
          });
          return undefined;
        });
      },
    };
    t = await gatewayWith({}, { plugins: [filter] });
    for (let i = 0; i < 2; i++) for await (const _ of await t.gateway.chat({ model: 'm', stream: true, messages: [user('x')] })) { /* read */ }
    await settled(t, 2);
    expect(t.seen.map((s) => s.attempts)).toEqual([1, 1]);
  });
});

describe('with @tollgate/plugin-cost', () => {
  it('a hit costs nothing and records what it saved', async () => {
    const records: any[] = [];
    const spy: Plugin = {
      name: 'test-cost-spy',
      apply(g) {
        g.hooks.account.tap({ name: 'test-cost-spy', stage: 5000 }, (ctx) => {
          records.push((g.container.resolve(COST_RECORDS) as (c: unknown) => unknown)(ctx));
        });
      },
    };
    t = await gatewayWith({}, { plugins: [costPlugin, spy], models: [{ model_name: 'm', params: { model: 'mock/m', input_cost_per_token: 1e-6, output_cost_per_token: 2e-6 } }] });
    await ask('What does it cost?');
    await ask('What does it cost?');
    await settled({ seen: records }, 2);
    expect(records[0]).toMatchObject({ cache_hit: false, saved_cost: 0 });
    expect(records[0].cost).toBeGreaterThan(0);
    expect(records[1]).toMatchObject({ cache_hit: true, cost: 0 });
    expect(records[1].saved_cost).toBeCloseTo(records[0].cost, 12);
  });
});
