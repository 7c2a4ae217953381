import { afterEach, describe, expect, it } from 'vitest';
import { GatewayError, RateLimitError, type ErrorKind, type SharedState } from '@tollgate/core';
import { DeploymentAtLimitError, LoadBalancer, seededRng, type AttemptRecord, type DeploymentView, type RouteState } from '@tollgate/plugin-loadbalance';
import { closeRedisStates, group, manualClock, settings, STORES } from './helpers.js';

afterEach(closeRedisStates);

const chat = (over: Record<string, unknown> = {}) => ({ model: 'g', messages: [{ role: 'user', content: 'Hello there' }], ...over });

/** What the plugin does in `route`: the stages in order, on the core's seed. */
async function route(lb: LoadBalancer, seed: readonly DeploymentView[], rs: RouteState): Promise<readonly DeploymentView[]> {
  let ds = lb.enterGroup(seed, seed[0].group, rs);
  ds = lb.filterTags(ds, rs);
  ds = lb.filterContextWindow(ds, rs);
  ds = await lb.filterCooldown(ds, rs);
  return lb.order(ds, rs);
}

function record(d: DeploymentView, over: Partial<AttemptRecord> = {}): AttemptRecord {
  return { deploymentId: d.id, group: d.group, ok: true, stream: false, status: 200, errorKind: null, startedAt: 0, endedAt: 100, ttftMs: null, usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 }, ...over };
}
const failed = (d: DeploymentView, kind: ErrorKind, status: number, retryAfter?: number) =>
  record(d, { ok: false, status, errorKind: kind, retryAfter, usage: null });

describe.each(STORES)('LoadBalancer on %s', (_name, makeStores) => {
  async function balancers(router: Record<string, unknown>, n = 2): Promise<LoadBalancer[]> {
    const open = await makeStores();
    const clock = manualClock();
    const out: LoadBalancer[] = [];
    for (let i = 0; i < n; i++) {
      const state: SharedState = await open(clock.now);
      out.push(new LoadBalancer({ settings: settings(router), state, rng: seededRng(i + 1) }));
    }
    return out;
  }

  it('routes around a deployment another process cooled, on the very next request', async () => {
    const [p1, p2] = await balancers({ routing_strategy: 'round-robin', cooldown_time: 60 });
    const ds = group('g', [{ id: 'a' }, { id: 'b' }]);
    const rs1 = p1.begin(chat());
    const plan1 = await route(p1, ds, rs1);
    await p1.attemptStarted(plan1[0], rs1);
    await p1.attemptEnded(plan1[0], failed(plan1[0], 'rate_limit', 429), rs1);
    expect(p1.afterFailure(new RateLimitError(), rs1)).toEqual({ action: 'next', delayMs: 0 });

    for (let i = 0; i < 4; i++) {
      const plan2 = await route(p2, ds, p2.begin(chat()));
      expect(plan2.map((d) => d.id)).toEqual([plan1[1].id]);
    }
  });

  it('answers a group whose deployments all cool with a fallback first, else a 429 with retry-after', async () => {
    const [lb] = await balancers({ fallbacks: [{ g: ['backup'] }], cooldown_time: 60 }, 1);
    const ds = group('g', [{ id: 'a' }, { id: 'b' }]);
    for (const d of ds) {
      const rs = lb.begin(chat());
      await route(lb, ds, rs);
      await lb.attemptStarted(d, rs);
      await lb.attemptEnded(d, failed(d, 'rate_limit', 429, 20), rs);
    }
    const rs = lb.begin(chat());
    expect(await route(lb, ds, rs)).toEqual([]);
    expect(rs.failure).toBeInstanceOf(RateLimitError);
    expect(rs.failure!.retryAfter).toBeGreaterThanOrEqual(19);
    expect(rs.failure!.retryAfter).toBeLessThanOrEqual(20);
    expect(lb.afterFailure(rs.failure!, rs)).toEqual({ action: 'fallback', group: 'backup' });

    const noFallback = lb.begin(chat({ disable_fallbacks: true }));
    await route(lb, ds, noFallback);
    expect(lb.afterFailure(noFallback.failure!, noFallback)).toEqual({ action: 'stop' });
  });

  it('skips deployments whose context window is too small, and falls back when none fits', async () => {
    const [lb] = await balancers({ enable_pre_call_checks: true, context_window_fallbacks: [{ g: ['long'] }] }, 1);
    const ds = group('g', [{ id: 'small', model_info: { max_input_tokens: 50 } }, { id: 'large', model_info: { max_input_tokens: 10_000 } }]);
    const prompt = chat({ messages: [{ role: 'user', content: 'x'.repeat(1000) }] });
    expect((await route(lb, ds, lb.begin(prompt))).map((d) => d.id)).toEqual(['large']);

    const huge = lb.begin(chat({ messages: [{ role: 'user', content: 'x'.repeat(100_000) }] }));
    expect(await route(lb, ds, huge)).toEqual([]);
    expect(huge.failure!.kind).toBe('context_window_exceeded');
    expect(lb.afterFailure(huge.failure!, huge)).toEqual({ action: 'fallback', group: 'long' });
  });

  it('routes by the request\'s tags', async () => {
    const [lb] = await balancers({}, 1);
    const ds = group('g', [{ id: 'eu', tags: ['eu'] }, { id: 'us', tags: ['us', 'default'] }]);
    expect((await route(lb, ds, lb.begin(chat(), { 'x-tollgate-tags': 'eu' }))).map((d) => d.id)).toEqual(['eu']);
    expect((await route(lb, ds, lb.begin(chat()))).map((d) => d.id)).toEqual(['us']);
  });

  it('holds rpm: 10 for all processes together: 20 requests from two processes, exactly 10 admitted', async () => {
    const [p1, p2] = await balancers({ routing_strategy: 'usage-based-routing-v2' });
    const ds = group('g', [{ id: 'limited', rpm: 10 }]);
    const plans = await Promise.all(Array.from({ length: 20 }, (_, i) => {
      const lb = i % 2 ? p1 : p2;
      const rs = lb.begin(chat());
      return route(lb, ds, rs).then((plan) => ({ plan, rs }));
    }));
    const admitted = plans.filter((p) => p.plan.length === 1);
    expect(admitted).toHaveLength(10);
    const refused = plans.find((p) => p.plan.length === 0)!;
    expect(refused.rs.failure).toBeInstanceOf(RateLimitError);
    expect(refused.rs.failure!.retryAfter).toBeGreaterThan(0);
    expect(refused.rs.failure!.retryAfter).toBeLessThanOrEqual(60);
  });

  it('spills over to the next deployment once one is at its rpm', async () => {
    const [lb] = await balancers({ routing_strategy: 'usage-based-routing-v2' }, 1);
    const ds = group('g', [{ id: 'small', rpm: 3 }, { id: 'big', rpm: 1000 }]);
    const heads: string[] = [];
    for (let i = 0; i < 20; i++) heads.push((await route(lb, ds, lb.begin(chat())))[0].id);
    expect(heads.filter((h) => h === 'small').length).toBeLessThanOrEqual(3);
    expect(heads.filter((h) => h === 'big').length).toBeGreaterThanOrEqual(17);
  });

  it('refuses a later attempt at a deployment that reached its rpm without counting it as a failure', async () => {
    const [lb] = await balancers({ routing_strategy: 'usage-based-routing-v2', cooldown_time: 60 }, 1);
    const ds = group('g', [{ id: 'a', rpm: 100 }, { id: 'b', rpm: 1 }]);
    // Fill b's minute from another request.
    const other = lb.begin(chat());
    const otherPlan = await route(lb, [ds[1]], other);
    expect(otherPlan.map((d) => d.id)).toEqual(['b']);

    const rs = lb.begin(chat());
    const plan = await route(lb, ds, rs);
    expect(plan.map((d) => d.id)).toEqual(['a']);
    rs.plan = ds; // as if b had still had room when routed
    await lb.attemptStarted(ds[0], rs);
    await lb.attemptEnded(ds[0], failed(ds[0], 'server', 500), rs);
    expect(lb.afterFailure(new GatewayError(500, 'api_error', 'boom'), rs)).toEqual({ action: 'next', delayMs: 0 });
    const refusal = await lb.attemptStarted(ds[1], rs).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(DeploymentAtLimitError);
    await lb.attemptEnded(ds[1], failed(ds[1], 'rate_limit', 429), rs);
    expect(lb.afterFailure(refusal as DeploymentAtLimitError, rs)).toEqual({ action: 'stop' });
    // b was refused by us, not by its provider: it is not cooling.
    expect((await lb.cooldowns.filter(ds)).available.map((d) => d.id)).toEqual(['a', 'b']);
  });

  it('moves latency-based traffic off a deployment that became slow', async () => {
    const [lb] = await balancers({ routing_strategy: 'latency-based-routing' }, 1);
    const ds = group('g', [{ id: 'slow' }, { id: 'fast' }]);
    for (const [d, ms] of [[ds[0], 2000], [ds[1], 200]] as const) {
      const rs = lb.begin(chat());
      await route(lb, ds, rs);
      await lb.attemptStarted(d, rs);
      await lb.attemptEnded(d, record(d, { endedAt: ms }), rs);
    }
    for (let i = 0; i < 10; i++) expect((await route(lb, ds, lb.begin(chat())))[0].id).toBe('fast');
  });

  it('sends least-busy traffic to the deployment with fewer attempts in flight, across processes', async () => {
    const [p1, p2] = await balancers({ routing_strategy: 'least-busy' });
    const ds = group('g', [{ id: 'a' }, { id: 'b' }]);
    const rs = p1.begin(chat());
    const [busy] = await route(p1, ds, rs);
    await p1.attemptStarted(busy, rs);
    const other = ds.find((d) => d.id !== busy.id)!;
    for (let i = 0; i < 5; i++) expect((await route(p2, ds, p2.begin(chat())))[0].id).toBe(other.id);
    await p1.attemptEnded(busy, record(busy), rs);
  });

  it('gives back a probe the request took but never used', async () => {
    const clock = manualClock();
    const open = await makeStores();
    const state = await open(clock.now);
    const lb = new LoadBalancer({ settings: settings({ cooldown_time: 0.2 }), state, clock: clock.now, rng: seededRng(1) });
    const ds = group('g', [{ id: 'a' }, { id: 'b' }]);
    const rs0 = lb.begin(chat());
    await route(lb, ds, rs0);
    await lb.attemptStarted(ds[0], rs0);
    await lb.attemptEnded(ds[0], failed(ds[0], 'rate_limit', 429), rs0);
    clock.advance(300);
    await new Promise((r) => setTimeout(r, 300)); // Redis keeps its own time

    const rs1 = lb.begin(chat());
    const plan = await route(lb, ds, rs1);
    expect(plan[0].id).toBe('a'); // the probe goes first
    expect(rs1.probes.has('a')).toBe(true);
    const rs2 = lb.begin(chat());
    expect((await route(lb, ds, rs2)).map((d) => d.id)).toEqual(['b']);
    await lb.end(rs1); // the client went away before the attempt
    expect((await route(lb, ds, lb.begin(chat())))[0].id).toBe('a');
  });
});
