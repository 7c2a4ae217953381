import { describe, expect, it } from 'vitest';
import { STRATEGIES, orderPlan, seededRng, type DeploymentView, type OrderContext, type PriceFn, type StatsView } from '@tollgate/plugin-loadbalance';
import { group } from './helpers.js';

const idle = (over: Partial<StatsView> = {}): StatsView => ({ inFlight: 0, latencyPerTokenMs: undefined, ttftMs: undefined, rpmUsed: 0, tpmUsed: 0, usageResetMs: 0, ...over });

function ctx(over: Partial<OrderContext> = {}): OrderContext {
  return {
    request: { group: 'g', stream: false, inputTokens: 100, tags: [] },
    rng: seededRng(42),
    counter: 0,
    latencyBuffer: 0.1,
    price: () => undefined,
    depth: 1000,
    ...over,
  };
}

function plan(name: keyof typeof STRATEGIES, ds: DeploymentView[], stats: StatsView[] = ds.map(() => idle()), c: Partial<OrderContext> = {}) {
  return orderPlan(ds, stats, STRATEGIES[name], ctx(c));
}

/** How often each deployment heads the plan over `n` requests. */
function firstPicks(name: keyof typeof STRATEGIES, ds: DeploymentView[], n: number, stats?: StatsView[], c: Partial<OrderContext> = {}): Record<string, number> {
  const rng = seededRng(7);
  const counts: Record<string, number> = Object.fromEntries(ds.map((d) => [d.id, 0]));
  for (let i = 0; i < n; i++) counts[plan(name, ds, stats, { ...c, rng, counter: i }).plan[0].id]++;
  return counts;
}

describe('simple-shuffle', () => {
  it('sends traffic in proportion to weight', () => {
    const ds = group('g', [{ id: 'a', weight: 1 }, { id: 'b', weight: 3 }, { id: 'c', weight: 6 }]);
    const picks = firstPicks('simple-shuffle', ds, 20_000);
    expect(picks.a / 20_000).toBeCloseTo(0.1, 1);
    expect(picks.b / 20_000).toBeCloseTo(0.3, 1);
    expect(picks.c / 20_000).toBeCloseTo(0.6, 1);
    expect(Math.abs(picks.c / 20_000 - 0.6)).toBeLessThan(0.015);
  });

  it('weighs by rpm when no deployment has a weight, then by tpm', () => {
    const byRpm = firstPicks('simple-shuffle', group('g', [{ id: 'a', rpm: 100 }, { id: 'b', rpm: 300 }]), 10_000);
    expect(Math.abs(byRpm.b / 10_000 - 0.75)).toBeLessThan(0.02);
    const byTpm = firstPicks('simple-shuffle', group('g', [{ id: 'a', tpm: 9000 }, { id: 'b', tpm: 1000 }]), 10_000);
    expect(Math.abs(byTpm.a / 10_000 - 0.9)).toBeLessThan(0.02);
  });

  it('picks uniformly without weights and lists every deployment once', () => {
    const ds = group('g', [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }]);
    const picks = firstPicks('simple-shuffle', ds, 8000);
    for (const id of ['a', 'b', 'c', 'd']) expect(Math.abs(picks[id] / 8000 - 0.25)).toBeLessThan(0.02);
    expect(plan('simple-shuffle', ds).plan.map((d) => d.id).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('puts a deployment without weight (or weight 0) last when others have one', () => {
    const ds = group('g', [{ id: 'standby' }, { id: 'a', weight: 1 }, { id: 'zero', weight: 0 }, { id: 'b', weight: 2 }]);
    for (let seed = 0; seed < 50; seed++) {
      const ids = plan('simple-shuffle', ds, undefined, { rng: seededRng(seed) }).plan.map((d) => d.id);
      expect(ids.slice(0, 2).sort()).toEqual(['a', 'b']);
    }
  });
});

describe('a plan ordered only as deep as attempts can reach', () => {
  const many = group('g', Array.from({ length: 20 }, (_, i) => ({ id: `d${i}`, weight: i < 2 ? 9 : 1 })));

  it('orders the first `depth` positions by the strategy and keeps the rest in config order', () => {
    const stats = many.map((_, i) => idle({ inFlight: i === 7 ? 0 : i === 3 ? 1 : 5 }));
    const ids = plan('least-busy', many, stats, { depth: 2 }).plan.map((d) => d.id);
    expect(ids.slice(0, 2)).toEqual(['d7', 'd3']);
    expect(ids.slice(2)).toEqual(many.map((d) => d.id).filter((id) => id !== 'd7' && id !== 'd3'));
  });

  it('draws the first positions by weight, each at most once', () => {
    const picks = firstPicks('simple-shuffle', many, 20_000, undefined, { depth: 2 });
    // d0 and d1 weigh 9 each, the 18 others 1 each: 9/36 = 0.25 apiece.
    expect(Math.abs(picks.d0 / 20_000 - 0.25)).toBeLessThan(0.015);
    expect(Math.abs(picks.d5 / 20_000 - 1 / 36)).toBeLessThan(0.006);
    for (let seed = 0; seed < 30; seed++) {
      const ids = plan('simple-shuffle', many, undefined, { depth: 3, rng: seededRng(seed) }).plan.map((d) => d.id);
      expect(new Set(ids).size).toBe(20);
    }
  });
});

describe('round-robin', () => {
  it('starts each request at the next deployment of the shared counter', () => {
    const ds = group('g', [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    expect([0, 1, 2, 3].map((counter) => plan('round-robin', ds, undefined, { counter }).plan.map((d) => d.id).join(''))).toEqual(['abc', 'bca', 'cab', 'abc']);
  });
});

describe('least-busy', () => {
  it('puts the deployment with the fewest requests in flight first', () => {
    const ds = group('g', [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    const stats = [idle({ inFlight: 5 }), idle({ inFlight: 1 }), idle({ inFlight: 3 })];
    expect(plan('least-busy', ds, stats).plan.map((d) => d.id)).toEqual(['b', 'c', 'a']);
  });

  it('moves traffic off a slow deployment whose requests pile up', () => {
    const ds = group('g', [{ id: 'slow' }, { id: 'fast' }]);
    const inFlight: Record<string, number> = { slow: 0, fast: 0 };
    const served: Record<string, number> = { slow: 0, fast: 0 };
    const rng = seededRng(3);
    for (let i = 0; i < 100; i++) {
      const first = plan('least-busy', ds, ds.map((d) => idle({ inFlight: inFlight[d.id] })), { rng }).plan[0].id;
      served[first]++;
      // The fast deployment answers before the next request; the slow one is still busy with all of its requests.
      if (first === 'slow') inFlight.slow++;
    }
    expect(served.slow).toBe(1);
    expect(served.fast).toBe(99);
  });

  it('shares between equally busy deployments', () => {
    const picks = firstPicks('least-busy', group('g', [{ id: 'a' }, { id: 'b' }]), 4000);
    expect(Math.abs(picks.a / 4000 - 0.5)).toBeLessThan(0.03);
  });
});

describe('latency-based-routing', () => {
  const ds = group('g', [{ id: 'slow' }, { id: 'fast' }, { id: 'mid' }]);

  it('puts the lowest latency per output token first', () => {
    const stats = [idle({ latencyPerTokenMs: 90 }), idle({ latencyPerTokenMs: 10 }), idle({ latencyPerTokenMs: 40 })];
    expect(plan('latency-based-routing', ds, stats).plan.map((d) => d.id)).toEqual(['fast', 'mid', 'slow']);
  });

  it('ranks streams by time to first token', () => {
    const stats = [idle({ latencyPerTokenMs: 1, ttftMs: 900 }), idle({ latencyPerTokenMs: 50, ttftMs: 100 }), idle({ latencyPerTokenMs: 9, ttftMs: 400 })];
    expect(plan('latency-based-routing', ds, stats, { request: { group: 'g', stream: true, inputTokens: 1, tags: [] } }).plan[0].id).toBe('fast');
    expect(plan('latency-based-routing', ds, stats).plan[0].id).toBe('slow');
  });

  it('tries a deployment with no samples yet', () => {
    const stats = [idle({ latencyPerTokenMs: 90 }), idle({ latencyPerTokenMs: 10 }), idle()];
    expect(plan('latency-based-routing', ds, stats).plan[0].id).toBe('mid');
  });

  it('shares traffic among deployments within the buffer of the best', () => {
    const two = group('g', [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    const stats = [idle({ latencyPerTokenMs: 100 }), idle({ latencyPerTokenMs: 105 }), idle({ latencyPerTokenMs: 200 })];
    const picks = firstPicks('latency-based-routing', two, 4000, stats);
    expect(Math.abs(picks.a / 4000 - 0.5)).toBeLessThan(0.03);
    expect(picks.c).toBe(0);
    const noBuffer = firstPicks('latency-based-routing', two, 1000, stats, { latencyBuffer: 0 });
    expect(noBuffer.a).toBe(1000);
  });

  it('leaves out a deployment at its rpm or tpm limit', () => {
    const limited = group('g', [{ id: 'fast', rpm: 10 }, { id: 'slow', tpm: 1000 }, { id: 'ok' }]);
    const stats = [idle({ latencyPerTokenMs: 1, rpmUsed: 10 }), idle({ latencyPerTokenMs: 2, tpmUsed: 950 }), idle({ latencyPerTokenMs: 50 })];
    const result = plan('latency-based-routing', limited, stats);
    expect(result.plan.map((d) => d.id)).toEqual(['ok']);
    expect(result.atLimit.map((d) => d.id)).toEqual(['fast', 'slow']);
  });
});

describe('usage-based-routing-v2', () => {
  it('puts the most headroom first and leaves out deployments at their rpm', () => {
    const ds = group('g', [{ id: 'full', rpm: 10 }, { id: 'busy', rpm: 10 }, { id: 'roomy', rpm: 100 }]);
    const stats = [idle({ rpmUsed: 10 }), idle({ rpmUsed: 8 }), idle({ rpmUsed: 30 })];
    const result = plan('usage-based-routing-v2', ds, stats);
    expect(result.plan.map((d) => d.id)).toEqual(['roomy', 'busy']);
    expect(result.atLimit.map((d) => d.id)).toEqual(['full']);
  });

  it('counts the request\'s own tokens against tpm', () => {
    const ds = group('g', [{ id: 'a', tpm: 1000 }, { id: 'b', tpm: 10_000 }]);
    const stats = [idle({ tpmUsed: 950 }), idle({ tpmUsed: 9000 })];
    expect(plan('usage-based-routing-v2', ds, stats, { request: { group: 'g', stream: false, inputTokens: 40, tags: [] } }).plan.map((d) => d.id)).toEqual(['b', 'a']);
    expect(plan('usage-based-routing-v2', ds, stats, { request: { group: 'g', stream: false, inputTokens: 60, tags: [] } }).plan.map((d) => d.id)).toEqual(['b']);
  });

  it('counts a deployment without limits as having all its headroom', () => {
    const ds = group('g', [{ id: 'limited', rpm: 1000 }, { id: 'open' }]);
    expect(plan('usage-based-routing-v2', ds, [idle({ rpmUsed: 1 }), idle({ rpmUsed: 500, tpmUsed: 90_000 })]).plan.map((d) => d.id)).toEqual(['open', 'limited']);
  });
});

describe('cost-based-routing', () => {
  it('puts the cheapest first and an unknown price last', () => {
    const ds = group('g', [
      { id: 'pricey', input_cost_per_token: 0.00001, output_cost_per_token: 0.00003 },
      { id: 'unknown' },
      { id: 'cheap', model_info: { input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 } },
    ]);
    expect(plan('cost-based-routing', ds, undefined, { price: (d) => (d.inputCostPerToken === undefined ? undefined : d.inputCostPerToken + (d.outputCostPerToken ?? 0)) }).plan.map((d) => d.id)).toEqual(['cheap', 'pricey', 'unknown']);
  });

  it('asks the price callback', () => {
    const ds = group('g', [{ id: 'a' }, { id: 'b' }]);
    const price: PriceFn = (d) => ({ a: 2, b: 1 })[d.id];
    expect(plan('cost-based-routing', ds, undefined, { price }).plan.map((d) => d.id)).toEqual(['b', 'a']);
  });
});

describe('priority tiers (order)', () => {
  it('tries every order-1 deployment before order 2, and unordered ones last', () => {
    const ds = group('g', [{ id: 'backup', order: 2 }, { id: 'none' }, { id: 'p1', order: 1 }, { id: 'p2', order: 1 }, { id: 'backup2', order: 2 }]);
    for (const name of Object.keys(STRATEGIES) as Array<keyof typeof STRATEGIES>) {
      const ids = plan(name, ds).plan.map((d) => d.id);
      expect(ids.slice(0, 2).sort(), name).toEqual(['p1', 'p2']);
      expect(ids.slice(2, 4).sort(), name).toEqual(['backup', 'backup2']);
      expect(ids[4], name).toBe('none');
    }
  });

  it('starts with order 2 when no order-1 deployment is left', () => {
    const ds = group('g', [{ id: 'backup', order: 2 }, { id: 'p1', order: 1, rpm: 1 }]);
    const result = orderPlan(ds, [idle(), idle({ rpmUsed: 1 })], STRATEGIES['simple-shuffle'], ctx(), { enforceLimits: true });
    expect(result.plan.map((d) => d.id)).toEqual(['backup']);
  });

  it('puts a half-open probe first in its tier', () => {
    const ds = group('g', [{ id: 'a', order: 1 }, { id: 'probe', order: 1 }, { id: 'c', order: 2 }]);
    for (let seed = 0; seed < 20; seed++) {
      const result = orderPlan(ds, ds.map(() => idle()), STRATEGIES['simple-shuffle'], ctx({ rng: seededRng(seed) }), { first: new Set(['probe']) });
      expect(result.plan.map((d) => d.id)).toEqual(['probe', 'a', 'c']);
    }
  });
});
