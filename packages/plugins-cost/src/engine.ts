import type { RerankRequest } from '@tollgate/core';
import { costOf, modeOf } from './cost.js';
import { counterFor, estimatePromptTokens, estimateSearchUnits, type EstimableRequest } from './estimate.js';
import { priceFor } from './price-for.js';
import { PriceTable } from './table.js';
import type { CostBreakdown, CostRecord, Mode, ModelPrice, PricedUsage } from './types.js';

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
  /** The deployment that answered; null when none did (a refused request): nothing is charged. */
  deployment: DeploymentView | null;
  /** The gateway operation: 'chat', 'embeddings', 'rerank', 'completions', 'moderations'. */
  operation: string;
  /** The usage the provider reported, null when it reported none (an aborted stream). */
  usage: PricedUsage | null;
  /**
   * The request, for local counts when usage is missing. Leave it out when nothing was served (an
   * upstream error before any content): providers do not charge those, and neither does the record.
   */
  request?: EstimableRequest | null;
  /** The answer's text, counted like the prompt when usage is missing (a complete answer). */
  outputText?: string | null;
  /** Output tokens estimated by the caller when usage is missing and there is no text (stream events). */
  outputTokens?: number | null;
  /** The answer came from a cache: it costs 0, and `saved_cost` is what it would have cost. */
  cacheHit?: boolean;
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
const NO_USAGE: PricedUsage = Object.freeze({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });

/** True when the usage says nothing although there was input (Gemini AI Studio embeddings report 0). */
export function emptyUsage(usage: PricedUsage | null): boolean {
  return !usage || (!(usage.prompt_tokens > 0) && !(usage.completion_tokens > 0));
}

/** Modes whose tokens may be estimated: rerank is billed by search units, moderation is free. */
const TOKEN_MODES: ReadonlySet<Mode> = new Set<Mode>(['chat', 'completion', 'responses', 'embedding']);

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
    const d = input.deployment;
    const price = d ? this.priceOf(d) : null;
    const mode = modeOf(input.operation);
    let usage = input.usage;
    let estimated = false;
    let searchUnits = input.searchUnits ?? 0;
    if (d && input.request) {
      if (mode === 'rerank') {
        if (!(searchUnits > 0) && typeof (input.request as RerankRequest).query === 'string') {
          searchUnits = estimateSearchUnits(input.request as RerankRequest);
          estimated = true;
        }
      } else if (TOKEN_MODES.has(mode) && emptyUsage(usage)) {
        const model = price?.key ?? d.providerModel;
        const prompt = estimatePromptTokens(input.request, model);
        const completion = mode === 'embedding' ? 0 : input.outputText ? counterFor(model)(input.outputText) : Math.max(0, Math.round(input.outputTokens ?? 0));
        usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
        estimated = true;
      }
    }
    const u = usage ?? NO_USAGE;
    const breakdown = price
      ? costOf(u, price, { mode, serviceTier: input.serviceTier, searchUnits, durationMs: input.durationMs })
      : { ...ZERO };
    const hit = input.cacheHit === true;
    return {
      cost: hit ? 0 : breakdown.total,
      usage_estimated: estimated,
      input_tokens: u.prompt_tokens ?? 0,
      output_tokens: u.completion_tokens ?? 0,
      cached_tokens: u.prompt_tokens_details?.cached_tokens ?? 0,
      cache_write_tokens: u.prompt_tokens_details?.cache_creation_tokens ?? 0,
      reasoning_tokens: u.completion_tokens_details?.reasoning_tokens ?? 0,
      search_units: searchUnits,
      breakdown,
      cache_hit: hit,
      saved_cost: hit ? breakdown.total : 0,
      price_key: price ? `${price.provider}/${price.key}` : null,
    };
  }
}
