import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway, GatewayError, type ModelEntry, type Plugin, type RequestContext } from '@tollgate/core';
import openai from '@tollgate/adapter-openai';
import { collect, silent, settle, user } from './helpers.js';
import { chunk, completion, startScriptedUpstream, usageChunk, type ScriptedUpstream } from './scripted-upstream.js';

let up: ScriptedUpstream;
let up2: ScriptedUpstream;
beforeAll(async () => {
  up = await startScriptedUpstream();
  up2 = await startScriptedUpstream();
});
afterAll(async () => {
  await up.close();
  await up2.close();
});

const model = (name: string, base: string, extra: Record<string, unknown> = {}): ModelEntry => ({ model_name: name, params: { model: 'openai/m', api_base: `${base}/v1`, api_key: 'sk-test-upstream', ...extra } });

function accounting(): { plugin: Plugin; seen: RequestContext[] } {
  const seen: RequestContext[] = [];
  return { seen, plugin: { name: 'acc', apply(g) { g.hooks.account.tapPromise('acc', async (ctx) => { seen.push(ctx); }); } } };
}

async function gateway(models: ModelEntry[], plugins: Plugin[] = [], extra: Record<string, unknown> = {}): Promise<Gateway> {
  const g = new Gateway({ logger: silent, config: { model_list: models, ...(extra.config as object) }, ...(extra.options as object) });
  await g.use(openai);
  for (const p of plugins) await g.use(p);
  await g.start();
  return g;
}

const stream = (...parts: string[]) => ({ steps: [...parts.map((write) => ({ write })), { end: true }] });

describe('a started stream is always settled', () => {
  it('cancel() before the first read settles it: account runs (aborted), nothing stays in flight, the upstream is released', async () => {
    up.queue({ steps: [{ write: chunk('a') }, { wait: 5000, write: chunk('', 'stop') }, { end: true }] });
    const acc = accounting();
    const g = await gateway([model('m', up.url)], [acc.plugin]);
    const s = await g.chat({ model: 'm', stream: true, messages: [user('x')] });
    expect(g.activeRequests).toBe(1);
    expect(g.allDeployments()[0].stats.inFlight).toBe(1);
    await s.cancel();
    await settle();
    expect(acc.seen.map((c) => c.outcome)).toEqual(['aborted']);
    expect(g.activeRequests).toBe(0);
    expect(g.allDeployments()[0].stats.inFlight).toBe(0);
    await expect.poll(() => up.received.at(-1)!.closedEarly).toBe(true);
    await g.close(0);
  });

  it('a stream handed out and never read is cancelled after the unread timeout', async () => {
    up.queue({ steps: [{ write: chunk('a') }, { wait: 5000, write: chunk('', 'stop') }, { end: true }] });
    const acc = accounting();
    const g = await gateway([model('m', up.url)], [acc.plugin], { options: { unreadStreamMs: 50 } });
    await g.chat({ model: 'm', stream: true, messages: [user('x')] });
    await expect.poll(() => acc.seen.length, { timeout: 2000 }).toBe(1);
    expect(acc.seen[0].outcome).toBe('aborted');
    expect(g.activeRequests).toBe(0);
    expect(g.allDeployments()[0].stats.inFlight).toBe(0);
    await g.close(0);
  });
});

describe('preRoute', () => {
  it('each tap sees the current request, after an earlier tap replaced it', async () => {
    up.queue({ headers: { 'content-type': 'application/json' }, steps: [{ write: completion('ok') }, { end: true }] });
    const seen: string[] = [];
    const g = await gateway([model('m', up.url)], [{
      name: 'two-taps',
      apply(gw) {
        gw.hooks.preRoute.tapPromise({ name: 'mask', stage: -200 }, async (request, ctx) => {
          ctx.request = { ...request, messages: [user('masked')] };
        });
        gw.hooks.preRoute.tapPromise({ name: 'cache', stage: -100 }, async (request) => {
          seen.push(request.messages[0].content);
        });
      },
    }]);
    await g.chat({ model: 'm', messages: [user('card 4111 1111 1111 1111')] });
    expect(seen).toEqual(['masked']);
    expect(JSON.parse(up.received.at(-1)!.body).messages[0].content).toBe('masked');
    await g.close(0);
  });
});

describe('retries honour time', () => {
  it('a 429 with retry-after-ms is retried after that wait, not at once', async () => {
    up.queue(
      { status: 429, headers: { 'content-type': 'application/json', 'retry-after-ms': '300' }, steps: [{ write: '{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}' }, { end: true }] },
      { headers: { 'content-type': 'application/json' }, steps: [{ write: completion('after the wait') }, { end: true }] },
    );
    const acc = accounting();
    const g = await gateway([model('m', up.url)], [acc.plugin], { config: { router: { num_retries: 1 } } });
    const res = await g.chat({ model: 'm', messages: [user('x')] });
    expect(res.choices[0].message.content).toBe('after the wait');
    await settle();
    const [a, b] = acc.seen[0].attempts;
    expect(a.errorKind).toBe('rate_limit');
    expect(b.startedAt - a.endedAt).toBeGreaterThanOrEqual(290);
    await g.close(0);
  });

  it('a retry-after beyond the allowed wait goes to the client with its retry-after, without retrying', async () => {
    up.queue({ status: 429, headers: { 'content-type': 'application/json', 'retry-after': '120' }, steps: [{ write: '{"error":{"message":"later","type":"requests"}}' }, { end: true }] });
    const g = await gateway([model('m', up.url)], [], { config: { router: { num_retries: 3, max_retry_wait: 5 } } });
    const before = up.received.length;
    const err = await g.chat({ model: 'm', messages: [user('x')] }).catch((e: GatewayError) => e);
    expect(err).toMatchObject({ status: 429, retryAfter: 120 });
    expect(up.received.length - before).toBe(1);
    await g.close(0);
  });

  it('moves to the next deployment, and never wraps around the plan to the first again', async () => {
    const fail = { status: 503, headers: { 'content-type': 'application/json' }, steps: [{ write: '{"error":{"message":"busy","type":"server_error"}}' }, { end: true }] };
    up.queue(fail);
    up2.queue(fail);
    const acc = accounting();
    const g = await gateway([model('m', up.url), model('m', up2.url)], [acc.plugin]);
    await expect(g.chat({ model: 'm', messages: [user('x')] })).rejects.toMatchObject({ status: 503 });
    await settle();
    expect(acc.seen[0].attempts.map((a) => a.deploymentId)).toEqual(['m#0', 'm#1']);
    await g.close(0);
  });

  it('the caller going away ends a retry wait at once', async () => {
    up.queue({ status: 429, headers: { 'content-type': 'application/json', 'retry-after': '10' }, steps: [{ write: '{"error":{"message":"later","type":"requests"}}' }, { end: true }] });
    const g = await gateway([model('m', up.url)], [], { config: { router: { num_retries: 1, max_retry_wait: 30 } } });
    const controller = new AbortController();
    const started = performance.now();
    const p = g.chat({ model: 'm', messages: [user('x')] }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(p).rejects.toMatchObject({ kind: 'aborted' });
    expect(performance.now() - started).toBeLessThan(3000);
    await g.close(0);
  });
});

describe('streams commit at the first content event', () => {
  it('an upstream that answers 200 and then an error event first falls back to the next deployment', async () => {
    up.queue(stream('data: {"error":{"message":"overloaded","type":"server_error"}}\n\n'));
    up2.queue(stream(chunk('from the second'), chunk('', 'stop'), 'data: [DONE]\n\n'));
    const g = await gateway([model('m', up.url), model('m', up2.url)]);
    const chunks = await collect(await g.chat({ model: 'm', stream: true, messages: [user('x')] }));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('from the second');
    await g.close(0);
  });

  it('an upstream that sends no content within stream_timeout is cut and the next deployment answers', async () => {
    up.queue({ steps: [{ write: ': keep-alive\n\n' }, { wait: 3000, write: chunk('late') }, { end: true }] });
    up2.queue(stream(chunk('in time'), chunk('', 'stop'), 'data: [DONE]\n\n'));
    const acc = accounting();
    const g = await gateway([model('m', up.url, { stream_timeout: 0.2 }), model('m', up2.url)], [acc.plugin]);
    const chunks = await collect(await g.chat({ model: 'm', stream: true, messages: [user('x')] }));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('in time');
    await settle();
    expect(acc.seen[0].attempts[0]).toMatchObject({ errorKind: 'timeout', status: 200 });
    await g.close(0);
  });

  it('after the first content, a failure ends the stream with an error, never a splice of two answers', async () => {
    up.queue({ steps: [{ write: chunk('half') }, { wait: 20, destroy: true }] });
    up2.queue(stream(chunk('other'), chunk('', 'stop')));
    const g = await gateway([model('m', up.url), model('m', up2.url)]);
    const got: string[] = [];
    const err = await (async () => { for await (const c of await g.chat({ model: 'm', stream: true, messages: [user('x')] })) got.push(c.choices[0]?.delta.content ?? ''); })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(got.join('')).toBe('half');
    await g.close(0);
  });
});

describe('timeouts mean what they say', () => {
  it('timeout bounds a whole non-streamed answer, even one that keeps dripping: 408 of type timeout, upstream aborted', async () => {
    up.queue({ headers: { 'content-type': 'application/json' }, steps: Array.from({ length: 40 }, () => ({ wait: 50, write: ' ' })).concat([{ write: completion('too late') }, { end: true }] as never) });
    const g = await gateway([model('m', up.url, { timeout: 0.3 })]);
    const err = await g.chat({ model: 'm', messages: [user('x')] }).catch((e: GatewayError) => e);
    expect(err).toMatchObject({ status: 408, type: 'timeout', kind: 'timeout' });
    await expect.poll(() => up.received.at(-1)!.closedEarly).toBe(true);
    await g.close(0);
  });

  it('an idle stream is cut after stream_idle_timeout between events', async () => {
    up.queue({ steps: [{ write: chunk('a') }, { wait: 2000, write: chunk('', 'stop') }, { end: true }] });
    const g = await gateway([model('m', up.url, { stream_idle_timeout: 0.2 })]);
    const err = await collect(await g.chat({ model: 'm', stream: true, messages: [user('x')] })).catch((e: GatewayError) => e);
    expect(err).toMatchObject({ kind: 'timeout' });
    await g.close(0);
  });
});

describe('figures', () => {
  it('a slow stream counts as upstream time, not overhead; time to first token and last byte are recorded', async () => {
    up.queue({ steps: [{ wait: 150, write: chunk('a') }, { wait: 150, write: chunk('', 'stop') + usageChunk() }, { end: true }] });
    const acc = accounting();
    const g = await gateway([model('m', up.url)], [acc.plugin]);
    await collect(await g.chat({ model: 'm', stream: true, messages: [user('x')] }));
    await settle();
    const ctx = acc.seen[0];
    expect(ctx.timings.firstToken).toBeGreaterThanOrEqual(140);
    expect(ctx.timings.lastByte).toBeGreaterThanOrEqual(290);
    expect(ctx.upstreamMs).toBeGreaterThanOrEqual(290);
    expect(ctx.overheadMs()).toBeLessThan(100);
    expect(ctx.attempts[0].firstTokenAt).toBe(ctx.timings.firstToken);
    expect(g.allDeployments()[0].stats.ttftMs).toBeGreaterThanOrEqual(140);
    await g.close(0);
  });

  it('a cut stream counts its upstream events from the first content event on, those of the committing read included', async () => {
    const role = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })}\n\n`;
    up.queue({ steps: [{ write: role + chunk('a') + chunk('b') }, { wait: 20, write: chunk('c') }, { wait: 20, destroy: true }] });
    const acc = accounting();
    const g = await gateway([model('m', up.url)], [acc.plugin]);
    await collect(await g.chat({ model: 'm', stream: true, messages: [user('x')] })).catch(() => undefined);
    await settle();
    expect(acc.seen[0].outcome).toBe('error');
    expect(acc.seen[0].usage).toBeNull();
    expect(acc.seen[0].streamEvents).toBe(3);
    await g.close(0);
  });

  it('a non-streamed answer records its time to the complete body', async () => {
    up.queue({ headers: { 'content-type': 'application/json' }, steps: [{ wait: 100, write: completion('ok') }, { end: true }] });
    const acc = accounting();
    const g = await gateway([model('m', up.url)], [acc.plugin]);
    await g.chat({ model: 'm', messages: [user('x')] });
    await settle();
    expect(acc.seen[0].timings.firstToken).toBeGreaterThanOrEqual(95);
    expect(acc.seen[0].upstreamMs).toBeGreaterThanOrEqual(95);
    expect(acc.seen[0].overheadMs()).toBeLessThan(50);
    await g.close(0);
  });
});

describe('shutdown', () => {
  it('at the drain deadline, running requests are aborted and accounted before the shutdown hook flushes, and close() returns', async () => {
    up.queue({ steps: [{ wait: 10_000, write: chunk('never') }, { end: true }] });
    const log: string[] = [];
    const g = await gateway([model('m', up.url)], [{
      name: 'flush',
      apply(gw) {
        gw.hooks.account.tapPromise('flush', async (ctx) => { log.push(`account:${ctx.outcome}`); });
        gw.hooks.shutdown.tapPromise('flush', async () => { log.push('shutdown'); });
      },
    }]);
    const p = g.chat({ model: 'm', messages: [user('x')] }).catch((e: GatewayError) => e);
    await expect.poll(() => up.received.length > 0 && g.activeRequests === 1).toBe(true);
    const started = performance.now();
    await g.close(200);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(await p).toBeInstanceOf(GatewayError);
    expect(log).toEqual(['account:aborted', 'shutdown']);
  });
});

describe('account', () => {
  it('runs synchronous taps in stage order once per request; one that throws is counted and the others still run', async () => {
    const order: string[] = [];
    const plugin: Plugin = {
      name: 'sync-acc',
      apply(g) {
        g.hooks.account.tap({ name: 'last', stage: 1000 }, (ctx) => { order.push(`last:${ctx.id}`); });
        g.hooks.account.tap({ name: 'throws', stage: 0 }, () => { throw new Error('logger down'); });
        g.hooks.account.tap({ name: 'first', stage: -100 }, (ctx) => { order.push(`first:${ctx.id}`); ctx.cost = 1; });
      },
    };
    const g = await gateway([{ model_name: 'm', params: { model: 'mock/m' } }], [(await import('@tollgate/adapter-mock')).default, plugin]);
    await Promise.all([g.chat({ model: 'm', messages: [user('a')] }, { id: 'r1' }), g.chat({ model: 'm', messages: [user('b')] }, { id: 'r2' })]);
    await settle();
    for (const id of ['r1', 'r2']) expect(order.filter((x) => x.endsWith(id))).toEqual([`first:${id}`, `last:${id}`]);
    expect(g.counters.accountFailures).toBe(2);
    await g.close();
  });
});
