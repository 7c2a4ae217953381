import type { DeploymentView, StatsView } from '../types.js';
import type { OrderContext, Strategy } from './strategies.js';

export interface OrderedPlan<D extends DeploymentView> {
  /** Attempt order: the first tier (lowest `order`) ordered by the strategy, then the next tier, ... */
  readonly plan: D[];
  /** Left out because they are at their rpm/tpm limit this minute. */
  readonly atLimit: D[];
}

/** Is this deployment at its rpm or tpm limit for a request of `inputTokens`? */
export function atLimit(d: DeploymentView, s: StatsView, inputTokens: number): boolean {
  return (d.rpm !== undefined && s.rpmUsed + 1 > d.rpm) || (d.tpm !== undefined && s.tpmUsed + inputTokens > d.tpm);
}

/**
 * Order candidates into an attempt plan. `order` tiers come one after another: tier 2 is tried
 * only when every tier-1 deployment was filtered out or failed (LiteLLM's `order`). Within a
 * tier the strategy decides; deployments in `first` (half-open probes) lead their tier.
 * `stats` is aligned with `candidates`.
 */
export function orderPlan<D extends DeploymentView>(
  candidates: readonly D[],
  stats: readonly StatsView[],
  strategy: Strategy,
  ctx: OrderContext,
  options: { enforceLimits?: boolean; first?: ReadonlySet<string> } = {},
): OrderedPlan<D> {
  const skip = strategy.skipsAtLimit || options.enforceLimits === true;
  const kept: number[] = [];
  const limited: D[] = [];
  for (let i = 0; i < candidates.length; i++) {
    if (skip && atLimit(candidates[i], stats[i], ctx.request.inputTokens)) limited.push(candidates[i]);
    else kept.push(i);
  }
  const plan: D[] = [];
  const first = options.first;
  for (const tier of tiers(kept, candidates)) {
    strategy.order(tier, candidates, stats, ctx);
    if (first?.size) tier.sort((a, b) => Number(first.has(candidates[b].id)) - Number(first.has(candidates[a].id)));
    for (const i of tier) plan.push(candidates[i]);
  }
  return { plan, atLimit: limited };
}

/** Split indices by `order`, lowest first; one tier without copying when all share it (the common case). */
function tiers(kept: number[], ds: readonly DeploymentView[]): number[][] {
  if (kept.every((i) => ds[i].order === ds[kept[0]].order)) return [kept];
  const byOrder = new Map<number, number[]>();
  for (const i of kept) {
    const t = byOrder.get(ds[i].order);
    if (t) t.push(i);
    else byOrder.set(ds[i].order, [i]);
  }
  return [...byOrder.keys()].sort((a, b) => a - b).map((k) => byOrder.get(k)!);
}
