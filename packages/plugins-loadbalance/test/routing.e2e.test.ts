import { afterEach, describe, expect, it } from 'vitest';
import { startMockOpenAI, type MockOpenAIServer } from '@tollgate/testing';
import { openaiAt, serve, sleep, tally, text, type Reply, type Served } from './serve.js';

let served: Served | undefined;
let upstream: MockOpenAIServer | undefined;
afterEach(async () => {
  await served?.close();
  await upstream?.close();
  served = upstream = undefined;
});

const mock = (id: string, extra: Record<string, unknown> = {}) => ({ model_name: 'g', params: { model: `mock/${id}`, mock_response: id, ...extra }, model_info: { id } });

describe('strategies, through the gateway', () => {
  it('simple-shuffle sends traffic in proportion to weight', async () => {
    served = await serve({ model_list: [mock('light', { weight: 1 }), mock('heavy', { weight: 3 })] });
    const replies: Reply[] = [];
    // 50 at a time: the server caps connections per client address.
    for (let i = 0; i < 8; i++) replies.push(...await Promise.all(Array.from({ length: 50 }, () => served!.chat({ model: 'g' }))));
    const t = tally(replies);
    // Expected 100 of 400 (σ ≈ 8.7): ±40 is more than 4σ.
    expect(t.light).toBeGreaterThan(60);
    expect(t.light).toBeLessThan(140);
    expect(t.light + t.heavy).toBe(400);
  });

  it('least-busy moves traffic off a deployment whose requests pile up', async () => {
    served = await serve({ model_list: [mock('slow', { mock_latency_ms: 1500 }), mock('fast')], router: { routing_strategy: 'least-busy' } });
    const pending: Array<Promise<Reply>> = [];
    for (let i = 0; i < 20; i++) {
      pending.push(served.chat({ model: 'g' }));
      await sleep(5);
    }
    const t = tally(await Promise.all(pending));
    // Only a tie (both idle) can reach the slow one, and it stays busy for the whole burst.
    expect(t.slow ?? 0).toBeLessThanOrEqual(1);
    expect(t.fast).toBeGreaterThanOrEqual(19);
  });

  it('latency-based routing moves traffic off a slow deployment once it has measured both', async () => {
    served = await serve({ model_list: [mock('slow', { mock_latency_ms: 150 }), mock('fast')], router: { routing_strategy: 'latency-based-routing' } });
    // A deployment without samples counts as fastest, so both are measured within two requests.
    for (let i = 0; i < 3; i++) await served.chat({ model: 'g' });
    const after: Reply[] = [];
    for (let i = 0; i < 10; i++) after.push(await served.chat({ model: 'g' }));
    expect(tally(after)).toEqual({ fast: 10 });
  });

  it('usage-based routing skips a deployment at its rpm, and answers 429 with retry-after when all are', async () => {
    served = await serve({ model_list: [mock('two', { rpm: 2 }), mock('four', { rpm: 4 })], router: { routing_strategy: 'usage-based-routing-v2', num_retries: 0 } });
    const replies: Reply[] = [];
    for (let i = 0; i < 8; i++) replies.push(await served.chat({ model: 'g' }));
    expect(tally(replies)).toEqual({ two: 2, four: 4 });
    const refused = replies.filter((r) => r.status === 429);
    expect(refused).toHaveLength(2);
    expect(refused[0].body.error.code).toBe('rate_limit_exceeded');
    const retryAfter = Number(refused[0].headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });
});

describe('order tiers and tags', () => {
  it('sends everything to order 1 while it serves, and to order 2 when it fails', async () => {
    served = await serve({
      model_list: [
        mock('first', { order: 1 }), mock('second', { order: 2 }),
        { model_name: 'f', params: { model: 'mock/broken', order: 1, mock_fault: { status: 500 } }, model_info: { id: 'broken' } },
        { model_name: 'f', params: { model: 'mock/spare', order: 2, mock_response: 'spare' }, model_info: { id: 'spare' } },
      ],
    });
    const replies = await Promise.all(Array.from({ length: 10 }, () => served!.chat({ model: 'g' })));
    expect(tally(replies)).toEqual({ first: 10 });
    const failover = await served.chat({ model: 'f' });
    expect([failover.status, failover.deployment, failover.headers.get('x-tollgate-attempts')]).toEqual([200, 'spare', '2']);
  });

  it('routes by body tags and the x-tollgate-tags header, untagged requests to the default deployments, and never sends tags upstream', async () => {
    upstream = await startMockOpenAI();
    served = await serve({
      model_list: [
        { model_name: 'g', params: { ...openaiAt(upstream.url, 'gpt-4o'), tags: ['eu'] }, model_info: { id: 'eu' } },
        { model_name: 'g', params: { ...openaiAt(upstream.url, 'gpt-4o-mini'), tags: ['us', 'default'] }, model_info: { id: 'us' } },
      ],
    });
    const eu = await served.chat({ model: 'g', tags: ['eu'], metadata: { tags: ['eu'], team: 'search' } });
    expect([eu.status, eu.deployment]).toEqual([200, 'eu']);
    expect((await served.chat({ model: 'g' }, { 'x-tollgate-tags': 'us' })).deployment).toBe('us');
    expect((await served.chat({ model: 'g' })).deployment).toBe('us');
    const none = await served.chat({ model: 'g', tags: ['apac'], metadata: { tags: ['x'] } });
    expect(none.deployment).toBe('us'); // nothing tagged apac: the default deployment
    // The strict mock refuses a non-string metadata value: metadata.tags was taken out, the rest kept.
    expect(upstream.requests[0].body).toMatchObject({ model: 'gpt-4o', metadata: { team: 'search' } });
    expect(upstream.requests.map((r) => Object.keys(r.body as object).filter((k) => k === 'tags' || k === 'num_retries'))).toEqual([[], [], [], []]);
    expect(upstream.requests[3].body).not.toHaveProperty('metadata');
    expect(eu.headers.get('x-tollgate-warnings')).toBeNull();
  });
});

describe('cooldowns', () => {
  it('cools a deployment on a 429, routes around it, then lets one probe through and closes the circuit when it succeeds', async () => {
    served = await serve({
      model_list: [mock('flaky', { order: 1, mock_fault: { status: 429, times: 1 } }), mock('steady', { order: 2 })],
      router: { cooldown_time: 0.4 },
    });
    const first = await served.chat({ model: 'g' });
    expect([first.deployment, first.headers.get('x-tollgate-attempts')]).toEqual(['steady', '2']);
    const cooling = await served.chat({ model: 'g' });
    expect([cooling.deployment, cooling.headers.get('x-tollgate-attempts')]).toEqual(['steady', '1']);
    await sleep(500);
    const probe = await served.chat({ model: 'g' });
    expect([probe.deployment, probe.headers.get('x-tollgate-attempts')]).toEqual(['flaky', '1']);
    expect((await served.chat({ model: 'g' })).deployment).toBe('flaky');
  });

  it('a probe that fails cools the deployment again', async () => {
    served = await serve({
      model_list: [mock('down', { order: 1, mock_fault: { status: 503, times: 2 } }), mock('steady', { order: 2 })],
      router: { cooldown_time: 0.3, allowed_fails: 0 },
    });
    expect((await served.chat({ model: 'g' })).headers.get('x-tollgate-attempts')).toBe('2');
    await sleep(400);
    const probe = await served.chat({ model: 'g' });
    expect([probe.deployment, probe.headers.get('x-tollgate-attempts')]).toEqual(['steady', '2']);
    expect((await served.chat({ model: 'g' })).headers.get('x-tollgate-attempts')).toBe('1');
    await sleep(400);
    expect((await served.chat({ model: 'g' })).deployment).toBe('down');
  });

  it('answers 429 with retry-after set to the soonest recovery when every deployment is cooling; a fallback group first', async () => {
    served = await serve({
      model_list: [
        mock('a', { mock_fault: { status: 429, retry_after: 7 } }), mock('b', { mock_fault: { status: 429, retry_after: 9 } }),
        { model_name: 'h', params: { model: 'mock/h', mock_fault: { status: 429, retry_after: 7 } }, model_info: { id: 'h1' } },
        { model_name: 'h', params: { model: 'mock/h2', mock_fault: { status: 429, retry_after: 7 } }, model_info: { id: 'h2' } },
        { model_name: 'backup', params: { model: 'mock/backup', mock_response: 'backup' }, model_info: { id: 'backup' } },
      ],
      router: { num_retries: 1, max_retry_wait: 1, fallbacks: [{ h: ['backup'] }] },
    });
    const first = await served.chat({ model: 'g' });
    expect([first.status, first.headers.get('x-tollgate-attempts')]).toEqual([429, '2']);
    const cooling = await served.chat({ model: 'g' });
    expect(cooling.status).toBe(429);
    expect(cooling.body.error.code).toBe('all_deployments_cooling_down');
    expect(cooling.headers.get('x-tollgate-attempts')).toBeNull();
    expect(Number(cooling.headers.get('retry-after'))).toBeGreaterThanOrEqual(6);
    expect(Number(cooling.headers.get('retry-after'))).toBeLessThanOrEqual(7);

    await served.chat({ model: 'h' }); // both of h cool, then backup answers
    const viaBackup = await served.chat({ model: 'h' });
    expect([viaBackup.status, text(viaBackup), viaBackup.headers.get('x-tollgate-fallback'), viaBackup.headers.get('x-tollgate-attempts')]).toEqual([200, 'backup', 'backup', '1']);
  });

  it('never cools the only deployment of a group', async () => {
    served = await serve({ model_list: [mock('only', { mock_fault: { status: 429, times: 1 } })], router: { num_retries: 0, cooldown_time: 60 } });
    expect((await served.chat({ model: 'g' })).status).toBe(429);
    expect((await served.chat({ model: 'g' })).status).toBe(200);
  });
});
