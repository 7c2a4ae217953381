import { shuffle } from '../rng.js';
import type { RoutingStrategyName } from '../settings/settings.js';
import type { DeploymentView, RequestInfo, Rng, StatsView } from '../types.js';

/** One candidate with its live stats; `score` is scratch space for the strategy's sort. */
export interface Entry<D extends DeploymentView> {
  readonly d: D;
  readonly s: StatsView;
  score: number;
  tie: number;
}

/** USD per token of a deployment (input + output), or undefined when unknown. */
export type PriceFn = (d: DeploymentView) => number | undefined;

export interface OrderContext {
  readonly request: RequestInfo;
  readonly rng: Rng;
  /** round-robin: this request's number on the group's shared counter. */
  readonly counter: number;
  readonly latencyBuffer: number;
  readonly price: PriceFn;
}

export interface Strategy {
  /** Which live stats it reads, so the caller fetches only those. */
  readonly needs: { readonly inFlight?: boolean; readonly latency?: boolean; readonly usage?: boolean; readonly counter?: boolean };
  /** Deployments at their rpm/tpm limit are left out of the plan (LiteLLM's latency, cost and usage strategies do so). */
  readonly skipsAtLimit: boolean;
  /** Order one priority tier in place, best first. Pure: everything it reads is in its arguments. */
  order<D extends DeploymentView>(tier: Entry<D>[], ctx: OrderContext): void;
}

/** Sort by `score`, then `tie`, ascending; equal ones in random order (shuffle, then a stable sort). */
function byScore<D extends DeploymentView>(tier: Entry<D>[], rng: Rng, score: (e: Entry<D>) => number, tie?: (e: Entry<D>) => number): void {
  shuffle(tier, rng);
  for (const e of tier) {
    e.score = score(e);
    e.tie = tie ? tie(e) : 0;
  }
  tier.sort((a, b) => a.score - b.score || a.tie - b.tie);
}

/**
 * Weighted random order by `weight`, else `rpm`, else `tpm`, else uniform
 * (litellm/router_strategy/simple_shuffle.py). The first pick has probability w / Σw; the rest
 * follow as further weighted draws without replacement (an exponential race: key = -ln(u) / w).
 * A deployment without the field, or with 0, gets no traffic unless the others fail.
 */
const simpleShuffle: Strategy = {
  needs: {},
  skipsAtLimit: false,
  order(tier, { rng }) {
    const field = (['weight', 'rpm', 'tpm'] as const).find((f) => tier.some((e) => e.d[f] !== undefined));
    const weight = (d: DeploymentView) => (field ? d[field] ?? 0 : 1);
    byScore(tier, rng, (e) => {
      const w = weight(e.d);
      return w > 0 ? -Math.log(1 - rng()) / w : Number.POSITIVE_INFINITY;
    });
  },
};

/** Rotate through the tier in config order, one step per request on a counter shared by every process. */
const roundRobin: Strategy = {
  needs: { counter: true },
  skipsAtLimit: false,
  order(tier, { counter }) {
    const n = tier.length;
    if (n < 2) return;
    const start = ((counter % n) + n) % n;
    const rotated = tier.slice(start).concat(tier.slice(0, start));
    tier.splice(0, n, ...rotated);
  },
};

/** Fewest requests in flight first (litellm/router_strategy/least_busy.py); ties at random. */
const leastBusy: Strategy = {
  needs: { inFlight: true },
  skipsAtLimit: false,
  order(tier, { rng }) {
    byScore(tier, rng, (e) => e.s.inFlight);
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
  order(tier, { rng, request, latencyBuffer }) {
    const latency = (s: StatsView) => (request.stream ? s.ttftMs ?? s.latencyPerTokenMs : s.latencyPerTokenMs) ?? 0;
    let best = Number.POSITIVE_INFINITY;
    for (const e of tier) best = Math.min(best, latency(e.s));
    const cutoff = best * (1 + latencyBuffer);
    byScore(tier, rng, (e) => {
      const l = latency(e.s);
      return l <= cutoff ? -1 : l;
    });
  },
};

/**
 * Most headroom this minute first: the lowest share used of the tightest of its rpm/tpm limits
 * (a deployment without limits has all its headroom), then the fewest tokens used
 * (litellm/router_strategy/lowest_tpm_rpm_v2.py picks the lowest tpm used).
 */
const usageBased: Strategy = {
  needs: { usage: true },
  skipsAtLimit: true,
  order(tier, { rng, request }) {
    byScore(
      tier,
      rng,
      ({ d, s }) => Math.max(d.rpm ? (s.rpmUsed + 1) / d.rpm : 0, d.tpm ? (s.tpmUsed + request.inputTokens) / d.tpm : 0),
      (e) => e.s.tpmUsed,
    );
  },
};

/** Cheapest first by input + output price per token (litellm/router_strategy/lowest_cost.py); unknown prices last. */
const costBased: Strategy = {
  needs: { usage: true },
  skipsAtLimit: true,
  order(tier, { rng, price }) {
    byScore(tier, rng, (e) => price(e.d) ?? Number.POSITIVE_INFINITY);
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
