import type { RerankRequest } from '@tollgate/core';
import { costOf, modeOf } from './cost.js';
import { estimateSearchUnits, estimateUsage, type EstimableRequest } from './estimate.js';
import { priceFor } from './price-for.js';
import { PriceTable } from './table.js';
import type { CostBreakdown, CostRecord, ModelPrice, PricedUsage } from './types.js';

/** What the engine reads of a deployment (the core's `Deployment` has these fields). */
export interface DeploymentView {
  provider: string;
  /** The model id after "provider/". */
  providerModel: string;
  params?: Readonly<Record<string, unknown>>;
  modelInfo?: Readonly<Record<string, unknown>>;
}

/** One finished request, as the `account` hook sees it. */
export interface CostInput {
  deployment: DeploymentView;
  /** The gateway operation: 'chat', 'embeddings', 'rerank', 'completions', 'moderations'. */
  operation: string;
  /** The usage the provider reported, null when it reported none (an aborted stream). */
  usage: PricedUsage | null;
  /** The request as sent upstream, for local counts when usage is missing. */
  request?: EstimableRequest | null;
  /** The answer text produced (streamed so far), for local counts when usage is missing. */
  outputText?: string | null;
  /** The response's `service_tier`, when the provider says which tier served it. */
  serviceTier?: string | null;
  /** Rerank: `meta.billed_units.search_units`. */
  searchUnits?: number | null;
  /** Whole request time, for per-second prices. */
  durationMs?: number | null;
}

export interface CostEngineOptions {
  /** LiteLLM-format price maps (paths or objects) merged over the shipped table, later ones winning. */
  priceFiles?: ReadonlyArray<string | Readonly<Record<string, unknown>>>;
}

const ZERO: CostBreakdown = Object.freeze({ input: 0, cache_read: 0, cache_write: 0, output: 0, reasoning: 0, total: 0 });

/** True when the usage says nothing although there was input (Gemini AI Studio embeddings report 0). */
function empty(usage: PricedUsage | null): boolean {
  return !usage || (!(usage.prompt_tokens > 0) && !(usage.completion_tokens > 0));
}

/**
 * Prices requests: one price per deployment (looked up and compiled on its first request, then
 * kept), the provider's usage or a local estimate, and the cost record a spend log stores.
 */
export class CostEngine {
  readonly table: PriceTable;
  private readonly prices = new WeakMap<object, ModelPrice | null>();

  constructor(options: CostEngineOptions = {}) {
    this.table = options.priceFiles?.length ? PriceTable.create(options.priceFiles) : PriceTable.shipped();
  }

  /** The deployment's price, with its `model_info` / `params` overrides; null when unknown. */
  priceOf(deployment: DeploymentView): ModelPrice | null {
    let price = this.prices.get(deployment);
    if (price === undefined) {
      price = priceFor(deployment.provider, deployment.providerModel, { model_info: deployment.modelInfo, params: deployment.params }, this.table);
      this.prices.set(deployment, price);
    }
    return price;
  }

  record(input: CostInput): CostRecord {
    const price = this.priceOf(input.deployment);
    const mode = modeOf(input.operation);
    let usage = input.usage;
    let estimated = false;
    if (empty(usage) && input.request) {
      usage = estimateUsage(input.request, input.outputText ?? '', price?.key ?? input.deployment.providerModel);
      estimated = true;
    }
    let searchUnits = input.searchUnits ?? 0;
    if (mode === 'rerank' && !(searchUnits > 0) && input.request && 'query' in input.request) {
      searchUnits = estimateSearchUnits(input.request as RerankRequest);
      estimated = true;
    }
    const u: PricedUsage = usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    const breakdown = price
      ? costOf(u, price, { mode, serviceTier: input.serviceTier, searchUnits, durationMs: input.durationMs })
      : { ...ZERO };
    return {
      cost: breakdown.total,
      usage_estimated: estimated,
      input_tokens: u.prompt_tokens ?? 0,
      output_tokens: u.completion_tokens ?? 0,
      cached_tokens: u.prompt_tokens_details?.cached_tokens ?? 0,
      cache_write_tokens: u.prompt_tokens_details?.cache_creation_tokens ?? 0,
      reasoning_tokens: u.completion_tokens_details?.reasoning_tokens ?? 0,
      search_units: searchUnits,
      breakdown,
      price_key: price ? `${price.provider}/${price.key}` : null,
    };
  }
}
