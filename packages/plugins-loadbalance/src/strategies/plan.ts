import type { DeploymentView, StatsView } from '../types.js';
import type { Entry, OrderContext, Strategy } from './strategies.js';

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
  const entries: Entry<D>[] = [];
  const limited: D[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const d = candidates[i];
    if (skip && atLimit(d, stats[i], ctx.request.inputTokens)) limited.push(d);
    else entries.push({ d, s: stats[i], score: 0, tie: 0 });
  }
  const plan: D[] = [];
  for (const tier of tiers(entries)) {
    strategy.order(tier, ctx);
    if (options.first?.size) tier.sort((a, b) => Number(options.first!.has(b.d.id)) - Number(options.first!.has(a.d.id)));
    for (const e of tier) plan.push(e.d);
  }
  return { plan, atLimit: limited };
}

/** Split by `order`, lowest first; one tier without copying when all share it (the common case). */
function tiers<D extends DeploymentView>(entries: Entry<D>[]): Entry<D>[][] {
  if (entries.every((e) => e.d.order === entries[0].d.order)) return [entries];
  const byOrder = new Map<number, Entry<D>[]>();
  for (const e of entries) {
    const t = byOrder.get(e.d.order);
    if (t) t.push(e);
    else byOrder.set(e.d.order, [e]);
  }
  return [...byOrder.keys()].sort((a, b) => a - b).map((k) => byOrder.get(k)!);
}
