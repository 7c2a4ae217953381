import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ConfigError,
  GatewayError,
  STAGE_AUTH,
  STAGE_CACHE,
  STAGE_DEFAULT,
  STAGE_INPUT_GUARD,
  STAGE_LIMITS,
  type ChatCompletion,
  type ChatCompletionChunk,
  type Plugin,
  type RequestContext,
} from '@tollgate/core';
import { collect, gatewayWith, settle, user } from './helpers.js';

const echo = [{ model_name: 'm', params: { model: 'mock/echo' } }];

function recorder() {
  const seen: string[] = [];
  const outcomes: string[] = [];
  const plugin: Plugin = {
    name: 'recorder',
    apply(g) {
      g.hooks.preRoute.tapPromise('recorder', async () => { seen.push('preRoute'); });
      g.hooks.route.tapPromise('recorder', async () => { seen.push('route'); });
      g.hooks.transformRequest.tapPromise('recorder', async (r) => { seen.push('transformRequest'); return r; });
      g.hooks.send.tapPromise('recorder', async () => { seen.push('send'); });
      g.hooks.transformResponse.tapPromise('recorder', async (r) => { seen.push('transformResponse'); return r; });
      g.hooks.error.tapPromise('recorder', async () => { seen.push('error'); });
      g.hooks.account.tapPromise('recorder', async (ctx) => { seen.push('account'); outcomes.push(ctx.outcome); });
    },
  };
  return { seen, outcomes, plugin };
}

describe('pipeline', () => {
  it('runs the hooks of a request in lifecycle order and account once after the answer', async () => {
    const r = recorder();
    const g = await gatewayWith(echo, [r.plugin]);
    const res = await g.chat({ model: 'm', messages: [user('hi')] });
    expect(res.choices[0].message.content).toBe('hi');
    await settle();
    expect(r.seen).toEqual(['preRoute', 'route', 'transformRequest', 'send', 'transformResponse', 'account']);
    expect(r.outcomes).toEqual(['ok']);
  });

  it('orders preRoute taps by stage constants, not by registration order', async () => {
    const order: string[] = [];
    const g = await gatewayWith(echo, [{
      name: 'stages',
      apply(gw) {
        const tap = (name: string, stage: number) => gw.hooks.preRoute.tapPromise({ name, stage }, async () => { order.push(name); });
        tap('third-party', STAGE_DEFAULT);
        tap('cache', STAGE_CACHE);
        tap('guard', STAGE_INPUT_GUARD);
        tap('limits', STAGE_LIMITS);
        tap('auth', STAGE_AUTH);
      },
    }]);
    await g.chat({ model: 'm', messages: [user('x')] });
    expect(order).toEqual(['auth', 'limits', 'guard', 'cache', 'third-party']);
  });

  it('a preRoute respond skips route, transformRequest and send, but runs transformResponse and account', async () => {
    const r = recorder();
    const cached: ChatCompletion = { id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'cached!' }, finish_reason: 'stop', logprobs: null }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } };
    const g = await gatewayWith(echo, [{ name: 'cache', apply(gw) { gw.hooks.preRoute.tapPromise({ name: 'cache', stage: STAGE_CACHE }, async () => ({ respond: cached, reason: 'cache_hit' })); } }, r.plugin]);
    const res = await g.chat({ model: 'm', messages: [user('x')] });
    expect(res.choices[0].message.content).toBe('cached!');
    await settle();
    expect(r.seen).toEqual(['transformResponse', 'account']);
    expect(r.outcomes).toEqual(['cache_hit']);
  });

  it('a ready answer without the cache_hit reason is not counted as a cache hit', async () => {
    const reasons: Array<[string, string | null]> = [];
    const canned: ChatCompletion = { id: 'g1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'I cannot help with that.' }, finish_reason: 'content_filter', logprobs: null }] };
    const g = await gatewayWith(echo, [{
      name: 'guard',
      apply(gw) {
        gw.hooks.preRoute.tapPromise({ name: 'guard', stage: STAGE_INPUT_GUARD }, async () => ({ respond: canned, reason: 'guardrail' }));
        gw.hooks.account.tapPromise('acc', async (ctx) => { reasons.push([ctx.outcome, ctx.outcomeReason]); });
      },
    }]);
    await g.chat({ model: 'm', messages: [user('x')] });
    await settle();
    expect(reasons).toEqual([['responded', 'guardrail']]);
  });

  it('replays a ready answer to a streaming client as chunks', async () => {
    const cached: ChatCompletion = { id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'cached!' }, finish_reason: 'stop', logprobs: null }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } };
    const g = await gatewayWith(echo, [{ name: 'cache', apply(gw) { gw.hooks.preRoute.tapPromise('cache', async () => ({ respond: cached })); } }]);
    const chunks = await collect(await g.chat({ model: 'm', stream: true, stream_options: { include_usage: true }, messages: [user('x')] }));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('cached!');
    expect(chunks.at(-2)!.choices[0].finish_reason).toBe('stop');
    expect(chunks.at(-1)!.usage?.total_tokens).toBe(3);
  });

  it('a preRoute reject runs error then account, with outcome rejected', async () => {
    const r = recorder();
    const g = await gatewayWith(echo, [{ name: 'auth', apply(gw) { gw.hooks.preRoute.tapPromise({ name: 'auth', stage: STAGE_AUTH }, async () => ({ reject: new AuthenticationError() })); } }, r.plugin]);
    await expect(g.chat({ model: 'm', messages: [user('x')] })).rejects.toBeInstanceOf(AuthenticationError);
    await settle();
    expect(r.seen).toEqual(['error', 'account']);
    expect(r.outcomes).toEqual(['rejected']);
  });

  it('hook callbacks receive at most (value, ctx)', async () => {
    const g = await gatewayWith(echo);
    for (const [name, hook] of Object.entries(g.hooks)) {
      expect((hook as { _args: string[] })._args.length, name).toBeLessThanOrEqual(2);
    }
    expect(Object.isFrozen(g.hooks)).toBe(true);
  });

  it('an unknown model is a 404 model_not_found, and account still runs once with outcome error', async () => {
    const r = recorder();
    const g = await gatewayWith(echo, [r.plugin]);
    const err = await g.chat({ model: 'nope', messages: [user('x')] }).catch((e: GatewayError) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).status).toBe(404);
    expect((err as GatewayError).code).toBe('model_not_found');
    await settle();
    expect(r.outcomes).toEqual(['error']);
  });

  it('fails over to the next deployment of the group on a retryable error, never on a 400', async () => {
    const attempts: string[][] = [];
    const plugin: Plugin = { name: 'a', apply(gw) { gw.hooks.account.tapPromise('a', async (ctx) => { attempts.push(ctx.attempts.map((x) => `${x.deploymentId}:${x.status}`)); }); } };
    const g = await gatewayWith([
      { model_name: 'm', params: { model: 'mock/a', mock_fault: { status: 503 } } },
      { model_name: 'm', params: { model: 'mock/b', mock_response: 'from b' } },
      { model_name: 'bad', params: { model: 'mock/c', mock_fault: { status: 400 } } },
      { model_name: 'bad', params: { model: 'mock/d' } },
    ], [plugin]);
    const res = await g.chat({ model: 'm', messages: [user('x')] });
    expect(res.choices[0].message.content).toBe('from b');
    await expect(g.chat({ model: 'bad', messages: [user('x')] })).rejects.toMatchObject({ status: 400 });
    await settle();
    expect(attempts).toEqual([['m#0:503', 'm#1:200'], ['bad#2:400']]);
  });

  it('retries re-run transformRequest and send per attempt, never preRoute', async () => {
    const counts = { preRoute: 0, transformRequest: 0, send: 0 };
    const g = await gatewayWith([
      { model_name: 'm', params: { model: 'mock/a', mock_fault: { status: 502 } } },
      { model_name: 'm', params: { model: 'mock/b', mock_fault: { status: 503 } } },
      { model_name: 'm', params: { model: 'mock/c' } },
    ], [{
      name: 'count',
      apply(gw) {
        gw.hooks.preRoute.tapPromise('count', async () => { counts.preRoute++; });
        gw.hooks.transformRequest.tapPromise('count', async (r) => { counts.transformRequest++; return r; });
        gw.hooks.send.tapPromise('count', async () => { counts.send++; });
      },
    }]);
    await g.chat({ model: 'm', messages: [user('x')] });
    expect(counts).toEqual({ preRoute: 1, transformRequest: 3, send: 3 });
  });

  it('a stream fails over to the next deployment before its first byte', async () => {
    const g = await gatewayWith([
      { model_name: 'm', params: { model: 'mock/a', mock_fault: { status: 503 } } },
      { model_name: 'm', params: { model: 'mock/b', mock_response: 'second' } },
    ]);
    const chunks = await collect(await g.chat({ model: 'm', stream: true, messages: [user('x')] }));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('second');
  });

  it('honours the attemptFailed decision of a routing plugin', async () => {
    const g = await gatewayWith([{ model_name: 'm', params: { model: 'mock/a', mock_fault: { status: 429, times: 2 } } }], [{
      name: 'retry', apply(gw) { gw.hooks.attemptFailed.tap('retry', (e) => (e.status === 429 ? 'retry' : 'stop')); },
    }]);
    const res = await g.chat({ model: 'm', messages: [user('ok')] });
    expect(res.choices[0].message.content).toBe('ok');
  });

  it('a send tap can answer instead of the network', async () => {
    const g = await gatewayWith(echo, [{
      name: 'replay',
      apply(gw) {
        gw.hooks.send.tapPromise('replay', async () => {
          const body = JSON.stringify({ id: 'r', object: 'chat.completion', created: 1, model: 'x', choices: [{ index: 0, message: { role: 'assistant', content: 'replayed' }, finish_reason: 'stop', logprobs: null }] });
          return { status: 200, headers: {}, body: (async function* () {})(), text: async () => body, dump: async () => undefined };
        });
      },
    }]);
    expect((await g.chat({ model: 'm', messages: [user('x')] })).choices[0].message.content).toBe('replayed');
  });

  it('streams chunks, records usage and finish reason, and accounts once at the end', async () => {
    const seen: RequestContext[] = [];
    const g = await gatewayWith([{ model_name: 'm', params: { model: 'mock/a', mock_stream_chunks: 5 } }], [{ name: 'acc', apply(gw) { gw.hooks.account.tapPromise('acc', async (ctx) => { seen.push(ctx); }); } }]);
    const chunks = await collect(await g.chat({ model: 'm', stream: true, messages: [user('hello streaming world')] }));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('hello streaming world');
    // the client did not ask for usage: the usage chunk the core requested is stripped
    expect(chunks.some((c) => c.usage)).toBe(false);
    await settle();
    expect(seen).toHaveLength(1);
    expect(seen[0].outcome).toBe('ok');
    expect(seen[0].finishReason).toBe('stop');
    expect(seen[0].usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('transformChunk can rewrite chunks and streamEnd receives the assembled answer', async () => {
    let whole: ChatCompletion | null = null;
    const g = await gatewayWith(echo, [{
      name: 'upper',
      apply(gw) {
        gw.hooks.preRoute.tapPromise({ name: 'collect', marksChanges: true }, async (_r, ctx) => { ctx.collectResponse(); });
        gw.hooks.transformChunk.tap('upper', (c: ChatCompletionChunk | null) => {
          if (!c) return c;
          const d = c.choices[0]?.delta;
          if (d?.content) d.content = d.content.toUpperCase();
          return c;
        });
        gw.hooks.streamEnd.tapPromise('store', async (r) => { whole = r; });
      },
    }]);
    const chunks = await collect(await g.chat({ model: 'm', stream: true, messages: [user('abc def')] }));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('ABC DEF');
    expect(whole!.choices[0].message.content).toBe('ABC DEF');
  });

  it('a stream cut by the upstream ends with an error, and account sees outcome error', async () => {
    const outcomes: string[] = [];
    const g = await gatewayWith([{ model_name: 'm', params: { model: 'mock/a', mock_fault: { cut_after_chunks: 2 } } }], [{ name: 'acc', apply(gw) { gw.hooks.account.tapPromise('acc', async (c) => { outcomes.push(c.outcome); }); } }]);
    const stream = await g.chat({ model: 'm', stream: true, messages: [user('a b c d e f')] });
    await expect(collect(stream)).rejects.toBeInstanceOf(GatewayError);
    await settle();
    expect(outcomes).toEqual(['error']);
  });

  it('a consumer that stops early aborts the upstream and accounts outcome aborted', async () => {
    const outcomes: string[] = [];
    const g = await gatewayWith([{ model_name: 'm', params: { model: 'mock/a', mock_stream_chunks: 10, mock_chunk_delay_ms: 5 } }], [{ name: 'acc', apply(gw) { gw.hooks.account.tapPromise('acc', async (c) => { outcomes.push(c.outcome); }); } }]);
    const stream = await g.chat({ model: 'm', stream: true, messages: [user('a b c d e f g h i j k')] });
    for await (const _ of stream) break;
    await settle();
    expect(outcomes).toEqual(['aborted']);
  });

  it('an account tap that throws is counted and never reaches the caller', async () => {
    const g = await gatewayWith(echo, [{ name: 'bad', apply(gw) { gw.hooks.account.tapPromise('bad', async () => { throw new Error('db down'); }); } }]);
    await g.chat({ model: 'm', messages: [user('x')] });
    await settle();
    expect(g.counters.accountFailures).toBe(1);
  });

  it('a malformed upstream body becomes a 502, not a crash', async () => {
    const g = await gatewayWith([{ model_name: 'm', params: { model: 'mock/a', mock_fault: { malformed: true } } }]);
    await expect(g.chat({ model: 'm', messages: [user('x')] })).rejects.toMatchObject({ status: 502, code: 'bad_upstream_response' });
  });

  it('embeddings go through the same pipeline', async () => {
    const g = await gatewayWith([{ model_name: 'e', params: { model: 'mock/e', mock_embedding_dimensions: 4 } }]);
    const res = await g.embeddings({ model: 'e', input: ['a', 'b'] });
    expect(res.data).toHaveLength(2);
    expect(res.data[0].embedding).toHaveLength(4);
  });

  it('declared slots exist on every context from the start', async () => {
    let slotValue: unknown = 'unset';
    const g = await gatewayWith(echo, [{
      name: 'slots',
      apply(gw) {
        const slot = gw.declareSlot<number>('tries', 0);
        gw.hooks.preRoute.tapPromise('slots', async (_r, ctx) => { slot.set(ctx, slot.get(ctx) + 1); });
        gw.hooks.account.tapPromise('slots', async (ctx) => { slotValue = slot.get(ctx); });
      },
    }]);
    await g.chat({ model: 'm', messages: [user('x')] });
    await settle();
    expect(slotValue).toBe(1);
  });

  it('close() waits for pending account taps and runs shutdown', async () => {
    const log: string[] = [];
    const g = await gatewayWith(echo, [{
      name: 'flush',
      apply(gw) {
        gw.hooks.account.tapPromise('flush', async () => { await new Promise((r) => setTimeout(r, 30)); log.push('account'); });
        gw.hooks.shutdown.tapPromise('flush', async () => { log.push('shutdown'); });
      },
    }]);
    await g.chat({ model: 'm', messages: [user('x')] });
    await g.close();
    expect(log).toEqual(['account', 'shutdown']);
  });
});

describe('plugins', () => {
  it('validates plugin options against the schema, naming the path', async () => {
    const p: Plugin = { name: 'p', schema: { type: 'object', properties: { ttl: { type: 'integer' } } }, apply() {} };
    await expect(gatewayWith(echo, [], {}).then(async () => {
      const { Gateway } = await import('@tollgate/core');
      const g = new Gateway();
      await g.use(p, { ttl: 'soon' });
    })).rejects.toThrow('Invalid options for plugin "p": options.ttl: must be integer');
  });

  it('checks declared dependencies and the core version range at registration', async () => {
    const { Gateway } = await import('@tollgate/core');
    const g = new Gateway();
    await expect(g.use({ name: 'needs', meta: { dependencies: ['base'] }, apply() {} })).rejects.toThrow('needs plugin "base"');
    await expect(g.use({ name: 'future', meta: { core: '^2.0.0' }, apply() {} })).rejects.toThrow('supports @tollgate/core ^2.0.0');
    await g.use({ name: 'base', apply() {} });
    await expect(g.use({ name: 'needs', meta: { dependencies: ['base'] }, apply() {} })).resolves.toBe(g);
  });

  it('checks core ranges with semver (>0.0.1, <=0.1.0, 0.x, ^0.1.0 all accept 0.1.0)', async () => {
    const { Gateway } = await import('@tollgate/core');
    const g = new Gateway();
    for (const core of ['>0.0.1', '<=0.1.0', '0.x', '^0.1.0', '>=0.1.0 <0.2.0', '~0.1.0 || ^1.0.0']) await g.use({ name: `p${core}`, meta: { core }, apply() {} });
    await expect(g.use({ name: 'old', meta: { core: '<0.1.0' }, apply() {} })).rejects.toThrow('supports @tollgate/core <0.1.0');
    await expect(g.use({ name: 'bad', meta: { core: 'not a range' }, apply() {} })).rejects.toThrow('invalid core range');
  });

  it('passes instances in options through as they are, and copies plain data', async () => {
    const { Gateway } = await import('@tollgate/core');
    class Pool { query() { return 1; } }
    const pool = new Pool();
    const callback = () => 'called';
    let got: { pool: Pool; callback: () => string; nested: { ttl?: number } } | null = null;
    const options = { pool, callback, nested: {} as { ttl?: number } };
    await new Gateway().use({ name: 'p', schema: { type: 'object', properties: { nested: { type: 'object', properties: { ttl: { type: 'integer', default: 5 } } } } }, apply(_g, o) { got = o; } }, options);
    expect(got!.pool).toBe(pool);
    expect(got!.callback()).toBe('called');
    expect(got!.nested.ttl).toBe(5);
    expect(options.nested).toEqual({});
  });

  it('fails start-up naming a plugin whose apply() never settles', async () => {
    const { Gateway } = await import('@tollgate/core');
    const g = new Gateway({ config: { settings: { plugin_start_timeout: 0.1 } } });
    await expect(g.use({ name: 'stuck', apply: () => new Promise(() => {}) })).rejects.toThrow('Plugin "stuck" did not finish starting within 0.1 s');
  });

  it('serves adapters registered straight into the DI container', async () => {
    const { Gateway, TOKENS } = await import('@tollgate/core');
    const { mockAdapter } = await import('@tollgate/adapter-mock');
    const g = new Gateway({ config: { model_list: [{ model_name: 'm', params: { model: 'fake/x' } }] } });
    await g.use({ name: 'di', apply(gw) { gw.container.register(TOKENS.Adapter, { useValue: { ...mockAdapter, providers: ['fake'] } }); } });
    await g.start();
    expect((await g.chat({ model: 'm', messages: [user('via DI')] })).choices[0].message.content).toBe('via DI');
  });

  it('fails start-up naming the package to install when a provider has no adapter', async () => {
    await expect(gatewayWith([{ model_name: 'c', params: { model: 'anthropic/claude-x' } }])).rejects.toThrow(
      /model_list\[0\] \("c", anthropic\/claude-x\): no adapter for provider "anthropic". Install @tollgate\/adapter-anthropic/,
    );
    await expect(gatewayWith([{ model_name: 'c', params: { model: 'anthropic/claude-x' } }])).rejects.toBeInstanceOf(ConfigError);
  });
});
