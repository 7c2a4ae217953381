import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  Gateway,
  ROUTE_FILTER,
  ROUTE_STRATEGY,
  backoffMs,
  defaultDecision,
  DEFAULT_RETRY,
  RateLimitError,
  ApiError,
  BadRequestError,
  TOKENS,
  makeCaller,
  type AttemptRecord,
  type Deployment,
  type DeploymentStats,
  type StatsStore,
} from '@tollgate/core';
import { collect, gatewayWith, settle, silent, user } from './helpers.js';

describe('route is a waterfall over the candidates', () => {
  it('filters and a strategy compose by stage, whatever the registration order', async () => {
    const order: string[] = [];
    const g = await gatewayWith([
      { model_name: 'm', params: { model: 'mock/a', mock_response: 'from a' } },
      { model_name: 'm', params: { model: 'mock/b', mock_response: 'from b' } },
      { model_name: 'm', params: { model: 'mock/c', mock_response: 'from c' } },
    ], [{
      name: 'routing',
      apply(gw) {
        gw.hooks.route.tap({ name: 'reverse', stage: ROUTE_STRATEGY }, (ds) => { order.push(`strategy:${ds.length}`); return [...ds].reverse(); });
        gw.hooks.route.tap({ name: 'no-b', stage: ROUTE_FILTER }, (ds) => { order.push(`filter:${ds.length}`); return ds.filter((d) => d.providerModel !== 'b'); });
      },
    }]);
    const res = await g.chat({ model: 'm', messages: [user('x')] });
    expect(res.choices[0].message.content).toBe('from c');
    expect(order).toEqual(['filter:3', 'strategy:2']);
  });

  it('serves aliases (LiteLLM model_group_alias) and lists visible ones', async () => {
    const g = await gatewayWith([{ model_name: 'gpt-4o', params: { model: 'mock/gpt-4o', mock_response: 'real' } }], [], {
      config: { router: { model_group_alias: { 'gpt-4': 'gpt-4o', legacy: { model: 'gpt-4o', hidden: true } } } },
    });
    expect((await g.chat({ model: 'gpt-4', messages: [user('x')] })).choices[0].message.content).toBe('real');
    expect((await g.chat({ model: 'legacy', messages: [user('x')] })).choices[0].message.content).toBe('real');
    expect(g.models().data.map((m) => m.id)).toEqual(['gpt-4o', 'gpt-4']);
  });

  it('refuses an alias to a group nobody serves at start-up', async () => {
    await expect(gatewayWith([{ model_name: 'a', params: { model: 'mock/a' } }], [], { config: { router: { model_group_alias: { b: 'nowhere' } } } })).rejects.toThrow(ConfigError);
  });

  it('serves wildcard groups, passing the requested model through; 404 for names nothing serves', async () => {
    const g = await gatewayWith([
      { model_name: 'mock/*', params: { model: 'mock/*' } },
      { model_name: 'exact', params: { model: 'mock/exact', mock_response: 'exact one' } },
    ]);
    const res = await g.chat({ model: 'mock/some-new-model', messages: [user('wild')] });
    expect(res.choices[0].message.content).toBe('wild');
    expect(res.model).toBe('some-new-model');
    expect((await g.chat({ model: 'exact', messages: [user('x')] })).choices[0].message.content).toBe('exact one');
    await expect(g.chat({ model: 'other/thing', messages: [user('x')] })).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('a `*` group with a provider template serves any name through that provider', async () => {
    const g = await gatewayWith([{ model_name: '*', params: { model: 'mock/*' } }]);
    const res = await g.chat({ model: 'anything-at-all', messages: [user('hi')] });
    expect(res.model).toBe('anything-at-all');
  });
});

describe('attempt decisions', () => {
  it('a plugin can switch to another group (fallback); the core records every attempt with its group and kind', async () => {
    const attempts: AttemptRecord[][] = [];
    const fallbacks: Array<string | null> = [];
    const g = await gatewayWith([
      { model_name: 'primary', params: { model: 'mock/p', mock_fault: { status: 429 } } },
      { model_name: 'backup', params: { model: 'mock/b', mock_response: 'from backup' } },
    ], [{
      name: 'fallbacks',
      apply(gw) {
        gw.hooks.attemptFailed.tapPromise('fallbacks', async (e, ctx) => {
          if (e.kind === 'rate_limit' && ctx.modelGroup?.name === 'primary' && !ctx.fallbackGroup) return { action: 'fallback', plan: [...gw.group('backup')!.deployments] };
          return undefined;
        });
        gw.hooks.account.tapPromise('acc', async (ctx) => { attempts.push([...ctx.attempts]); fallbacks.push(ctx.fallbackGroup); });
      },
    }]);
    const res = await g.chat({ model: 'primary', messages: [user('x')] });
    expect(res.choices[0].message.content).toBe('from backup');
    await settle();
    expect(attempts[0].map((a) => [a.group, a.status, a.errorKind])).toEqual([['primary', 429, 'rate_limit'], ['backup', 200, null]]);
    expect(fallbacks).toEqual(['backup']);
  });

  it('attemptEnd fires after every attempt, success and failure, with timings and usage', async () => {
    const ended: Array<[string, string | null, boolean]> = [];
    const g = await gatewayWith([
      { model_name: 'm', params: { model: 'mock/a', mock_fault: { status: 503 } } },
      { model_name: 'm', params: { model: 'mock/b' } },
    ], [{ name: 'end', apply(gw) { gw.hooks.attemptEnd.tap('end', (a) => { ended.push([a.deploymentId, a.errorKind, a.endedAt >= a.startedAt && (a.errorKind !== null || a.usage !== null)]); }); } }]);
    await g.chat({ model: 'm', messages: [user('x')] });
    expect(ended).toEqual([['m#0', 'overloaded', true], ['m#1', null, true]]);
  });

  it('per-deployment stats live behind TOKENS.StatsStore and can be replaced', async () => {
    const calls: string[] = [];
    const store: StatsStore = {
      start: (d) => { calls.push(`start:${d.id}`); },
      end: (d, a) => { calls.push(`end:${d.id}:${a.status}`); },
      get: (d: Deployment): DeploymentStats => d.stats,
    };
    const g = await gatewayWith([{ model_name: 'm', params: { model: 'mock/a' } }], [{ name: 'stats', apply(gw) { gw.container.register(TOKENS.StatsStore, { useValue: store }); } }]);
    await g.chat({ model: 'm', messages: [user('x')] });
    expect(calls).toEqual(['start:m#0', 'end:m#0:200']);
  });

  it('the default: next on a retryable kind, retry after the plan with retry-after or a jittered backoff, stop on a 400', () => {
    const s = { ...DEFAULT_RETRY, numRetries: 1 };
    expect(defaultDecision(new RateLimitError('x'), { index: 0, planLength: 2, retries: 0 }, s)).toEqual({ action: 'next' });
    expect(defaultDecision(new RateLimitError('x', { retryAfter: 2 }), { index: 1, planLength: 2, retries: 0 }, s)).toEqual({ action: 'retry', delayMs: 2000 });
    expect(defaultDecision(new RateLimitError('x', { retryAfter: 2 }), { index: 1, planLength: 2, retries: 1 }, s)).toEqual({ action: 'stop' });
    expect(defaultDecision(new RateLimitError('x', { retryAfter: 60 }), { index: 0, planLength: 1, retries: 0 }, s)).toEqual({ action: 'stop' });
    expect(defaultDecision(new BadRequestError('x'), { index: 0, planLength: 3, retries: 0 }, s)).toEqual({ action: 'stop' });
    const backoff = defaultDecision(new ApiError('x', { status: 502 }), { index: 0, planLength: 1, retries: 0 }, s);
    expect(backoff.action).toBe('retry');
    expect(backoff.delayMs).toBeLessThan(500);
    expect(backoffMs(3, s, () => 0.999)).toBe(Math.floor(0.999 * 4000));
    expect(backoffMs(10, s, () => 0.999)).toBeLessThan(8000);
  });

  it('a stream falls back to another group before its first byte', async () => {
    const g = await gatewayWith([
      { model_name: 'a', params: { model: 'mock/a', mock_fault: { status: 503 } } },
      { model_name: 'b', params: { model: 'mock/b', mock_response: 'streamed from b' } },
    ], [{ name: 'fb', apply(gw) { gw.hooks.attemptFailed.tapPromise('fb', async (_e, ctx) => (ctx.fallbackGroup ? undefined : { action: 'fallback', plan: [...gw.group('b')!.deployments] })); } }]);
    const chunks = await collect(await g.chat({ model: 'a', stream: true, messages: [user('x')] }));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('streamed from b');
  });
});

describe('callers', () => {
  it('a caller limited to some models gets a 403 naming the model for others, and /v1/models lists only its own', async () => {
    const g = await gatewayWith([{ model_name: 'a', params: { model: 'mock/a' } }, { model_name: 'b', params: { model: 'mock/b' } }]);
    const caller = makeCaller({ kind: 'key', keyId: 'k1', models: ['a'] });
    await expect(g.chat({ model: 'b', messages: [user('x')] }, { caller })).rejects.toMatchObject({ status: 403, param: 'model', message: expect.stringContaining('`b`') });
    expect((await g.chat({ model: 'a', messages: [user('x')] }, { caller })).choices[0].message.content).toBe('x');
    expect(g.models(caller).data.map((m) => m.id)).toEqual(['a']);
  });

  it('with a master key, in-code calls need it; internal calls skip client auth and are marked internal', async () => {
    const seen: Array<[string, boolean]> = [];
    const g = new Gateway({ logger: silent, config: { model_list: [{ model_name: 'e', params: { model: 'mock/e' } }], settings: { master_key: 'sk-master-123' } } });
    await g.use((await import('@tollgate/adapter-mock')).default);
    await g.use({ name: 'acc', apply(gw) { gw.hooks.account.tapPromise('acc', async (ctx) => { seen.push([ctx.caller.kind, ctx.internal]); }); } });
    await g.start();
    await expect(g.embeddings({ model: 'e', input: 'x' })).rejects.toMatchObject({ status: 401 });
    await g.embeddings({ model: 'e', input: 'x' }, { headers: { authorization: 'Bearer sk-master-123' } });
    await g.embeddings({ model: 'e', input: 'x' }, { internal: true });
    await settle();
    // The refused call never became a request: nothing to account.
    expect(seen).toEqual([['master', false], ['internal', true]]);
    await g.close(0);
  });

  it('a keys plugin resolves virtual keys through the authenticate hook, from headers only', async () => {
    const g = new Gateway({ logger: silent, config: { model_list: [{ model_name: 'a', params: { model: 'mock/a' } }], settings: { master_key: 'sk-master-123' } } });
    await g.use((await import('@tollgate/adapter-mock')).default);
    await g.use({ name: 'keys', apply(gw) { gw.hooks.authenticate.tapPromise('keys', async ({ key }) => (key === 'sk-virtual-1' ? makeCaller({ kind: 'key', keyId: 'h1', keyAlias: 'team-a' }) : undefined)); } });
    await g.start();
    expect(await g.authenticate({ authorization: 'Bearer sk-virtual-1' })).toMatchObject({ kind: 'key', keyAlias: 'team-a', admin: false });
    expect(await g.authenticate({ authorization: 'Bearer sk-master-123' })).toMatchObject({ kind: 'master', admin: true });
    await expect(g.authenticate({ authorization: 'Bearer sk-unknown' })).rejects.toMatchObject({ status: 401 });
    await expect(g.authenticate({})).rejects.toMatchObject({ status: 401 });
    await g.close(0);
  });
});
