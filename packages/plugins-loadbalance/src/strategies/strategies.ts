import type { RoutingStrategyName } from '../settings/settings.js';
import type { DeploymentView, RequestInfo, Rng, StatsView } from '../types.js';

/** USD per token of a deployment (input + output), or undefined when unknown. */
export type PriceFn = (d: DeploymentView) => number | undefined;

export interface OrderContext {
  readonly request: RequestInfo;
  readonly rng: Rng;
  /** round-robin: this request's number on the group's shared counter. */
  readonly counter: number;
  readonly latencyBuffer: number;
  readonly price: PriceFn;
  /**
   * How many plan positions need the strategy's order: the most attempts the request can make in
   * the group (1 + its retries). Past them the tier keeps its order, which saves sorting a large
   * group whose tail no attempt reaches.
   */
  readonly depth: number;
}

export interface Strategy {
  /** Which live stats it reads, so the caller fetches only those. */
  readonly needs: { readonly inFlight?: boolean; readonly latency?: boolean; readonly usage?: boolean; readonly counter?: boolean };
  /** Deployments at their rpm/tpm limit are left out of the plan (LiteLLM's latency, cost and usage strategies do so). */
  readonly skipsAtLimit: boolean;
  /**
   * Order one priority tier in place, best first: `tier` holds indices into `ds` and `stats`
   * (aligned). Pure: everything it reads is in its arguments.
   */
  order(tier: number[], ds: readonly DeploymentView[], stats: readonly StatsView[], ctx: OrderContext): void;
}

const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);
const POS_BITS = 12;
const POS = 1 << POS_BITS;
const TIE = 1 << 10;
const keys = new Float64Array(POS);
const picked = new Uint8Array(POS);

/**
 * Order tier indices by `score` (>= 0) ascending, equal scores at random, the first `depth` of
 * them at least. Each candidate becomes one number, [score as float32 bits | random tie |
 * position], so ordering is a native numeric sort (or, for a few positions out of many, a
 * selection) instead of Array#sort with a comparator: several times cheaper
 * (bench/routing.bench.mjs). A non-negative float32's bits grow with its value, so the order is
 * the scores' (to float32 precision: closer scores tie). Past 4096 candidates, a comparator sort.
 */
function byScore(tier: number[], rng: Rng, depth: number, score: (i: number) => number): void {
  const n = tier.length;
  if (n < 2) return;
  if (n > POS) {
    const keyed = tier.map((i) => ({ i, k: score(i), t: rng() }));
    keyed.sort((a, b) => a.k - b.k || a.t - b.t);
    keyed.forEach((x, j) => { tier[j] = x.i; });
    return;
  }
  for (let j = 0; j < n; j++) {
    const v = score(tier[j]);
    f32[0] = v >= 0 ? v : Number.POSITIVE_INFINITY;
    keys[j] = f32Bits[0] * (TIE * POS) + Math.floor(rng() * TIE) * POS + j;
  }
  const k = Math.min(depth || n, n);
  if (k * 4 >= n) {
    const sorted = keys.subarray(0, n).sort();
    const before = tier.slice();
    for (let j = 0; j < n; j++) tier[j] = before[sorted[j] % POS];
    return;
  }
  // The k lowest keys by insertion into a short sorted run; the rest keep their order.
  const top = new Float64Array(k).fill(Number.POSITIVE_INFINITY);
  for (let j = 0; j < n; j++) {
    const key = keys[j];
    if (key >= top[k - 1]) continue;
    let m = k - 1;
    while (m > 0 && top[m - 1] > key) top[m] = top[--m];
    top[m] = key;
  }
  reorder(tier, Array.from(top, (key) => key % POS));
}

/** Put the entries at `positions` first, in that order; the others follow in their order. */
function reorder(tier: number[], positions: readonly number[]): void {
  const before = tier.slice();
  for (const p of positions) picked[p] = 1;
  let out = 0;
  for (const p of positions) tier[out++] = before[p];
  for (let j = 0; j < before.length; j++) {
    if (picked[j]) picked[j] = 0;
    else tier[out++] = before[j];
  }
}

/**
 * Weighted random order by `weight`, else `rpm`, else `tpm`, else uniform
 * (litellm/router_strategy/simple_shuffle.py): the first pick has probability w / Σw, each next
 * one is a weighted draw among the rest (without replacement). A deployment without the field,
 * or with 0, is drawn only after all the others.
 */
const simpleShuffle: Strategy = {
  needs: {},
  skipsAtLimit: false,
  order(tier, ds, _stats, { rng, depth }) {
    const n = tier.length;
    if (n < 2) return;
    const field = (['weight', 'rpm', 'tpm'] as const).find((f) => tier.some((i) => ds[i][f] !== undefined));
    const weight = (j: number) => (field ? Math.max(0, ds[tier[j]][field] ?? 0) : 1);
    const k = Math.min(depth || n, n);
    if (n > POS || k * 4 >= n) {
      // Many positions: an exponential race (key -ln(u) / w) is the same draw, in one sort.
      byScore(tier, rng, n, (i) => {
        const w = field ? Math.max(0, ds[i][field] ?? 0) : 1;
        return w > 0 ? -Math.log(1 - rng()) / w : Number.POSITIVE_INFINITY;
      });
      return;
    }
    let total = 0;
    for (let j = 0; j < n; j++) total += weight(j);
    const positions: number[] = [];
    for (let draw = 0; draw < k && total > 0; draw++) {
      let r = rng() * total;
      let j = 0;
      for (; j < n; j++) {
        if (picked[j]) continue;
        r -= weight(j);
        if (r < 0) break;
      }
      if (j === n) j = lastUnpicked(n);
      picked[j] = 1;
      total -= weight(j);
      positions.push(j);
    }
    for (const p of positions) picked[p] = 0;
    reorder(tier, positions);
  },
};

/** Rounding can leave the draw past the end: take the last candidate not drawn yet. */
function lastUnpicked(n: number): number {
  let j = n - 1;
  while (j > 0 && picked[j]) j--;
  return j;
}

/** Rotate through the tier in config order, one step per request on a counter shared by every process. */
const roundRobin: Strategy = {
  needs: { counter: true },
  skipsAtLimit: false,
  order(tier, _ds, _stats, { counter }) {
    const n = tier.length;
    if (n < 2) return;
    const start = ((counter % n) + n) % n;
    const before = tier.slice();
    for (let i = 0; i < n; i++) tier[i] = before[(start + i) % n];
  },
};

/** Fewest requests in flight first (litellm/router_strategy/least_busy.py); ties at random. */
const leastBusy: Strategy = {
  needs: { inFlight: true },
  skipsAtLimit: false,
  order(tier, _ds, stats, { rng, depth }) {
    byScore(tier, rng, depth, (i) => stats[i].inFlight);
  },
};

/**
 * Lowest moving-average latency first: per output token for plain requests, time to first token
 * for streams (litellm/router_strategy/lowest_latency.py). A deployment without samples counts as
 * 0 ms, so a new one is tried. Every deployment within `best × (1 + lowest_latency_buffer)` is
 * put first in random order, so near-equal deployments share the traffic.
 */
const latencyBased: Strategy = {
  needs: { latency: true, usage: true },
  skipsAtLimit: true,
  order(tier, _ds, stats, { rng, request, latencyBuffer, depth }) {
    const latency = (s: StatsView) => (request.stream ? s.ttftMs ?? s.latencyPerTokenMs : s.latencyPerTokenMs) ?? 0;
    let best = Number.POSITIVE_INFINITY;
    for (const i of tier) best = Math.min(best, latency(stats[i]));
    const cutoff = best * (1 + latencyBuffer);
    byScore(tier, rng, depth, (i) => {
      const l = latency(stats[i]);
      return l <= cutoff ? 0 : l;
    });
  },
};

/**
 * Most headroom this minute first: the lowest share used of the tighter of its rpm and tpm
 * limits, counting this request (litellm/router_strategy/lowest_tpm_rpm_v2.py takes the lowest tpm
 * used); a deployment without limits counts as empty. Ties at random.
 */
const usageBased: Strategy = {
  needs: { usage: true },
  skipsAtLimit: true,
  order(tier, ds, stats, { rng, request, depth }) {
    byScore(tier, rng, depth, (i) => {
      const { rpm, tpm } = ds[i];
      const s = stats[i];
      return Math.max(rpm ? (s.rpmUsed + 1) / rpm : 0, tpm ? (s.tpmUsed + request.inputTokens) / tpm : 0);
    });
  },
};

/** Cheapest first by input + output price per token (litellm/router_strategy/lowest_cost.py); unknown prices last. */
const costBased: Strategy = {
  needs: { usage: true },
  skipsAtLimit: true,
  order(tier, ds, _stats, { rng, price, depth }) {
    byScore(tier, rng, depth, (i) => price(ds[i]) ?? Number.POSITIVE_INFINITY);
  },
};

export const STRATEGIES: Readonly<Record<RoutingStrategyName, Strategy>> = {
  'simple-shuffle': simpleShuffle,
  'round-robin': roundRobin,
  'least-busy': leastBusy,
  'latency-based-routing': latencyBased,
  'usage-based-routing-v2': usageBased,
  'cost-based-routing': costBased,
};

/** The configured price: params or model_info `input_cost_per_token` + `output_cost_per_token`. */
export const configuredPrice: PriceFn = (d) =>
  d.inputCostPerToken === undefined && d.outputCostPerToken === undefined ? undefined : (d.inputCostPerToken ?? 0) + (d.outputCostPerToken ?? 0);
