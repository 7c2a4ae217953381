import type { CostBreakdown, Mode, ModelPrice, PricedUsage, RateSet, Rates } from './types.js';

export interface CostOptions {
  /** What was served; default the price's own mode. Embeddings charge input only, rerank search units. */
  mode?: Mode;
  /** The response's `service_tier` (OpenAI: `flex`, `priority`; LiteLLM maps `fast` to priority). */
  serviceTier?: string | null;
  /** Rerank: search units billed (Cohere's `meta.billed_units.search_units`). */
  searchUnits?: number | null;
  /** Whole request time, for runtime (per-second) prices. */
  durationMs?: number | null;
}

/** Gateway operation -> the price mode it is charged under. */
export function modeOf(operation: string): Mode {
  switch (operation) {
    case 'embeddings':
    case 'embedding':
      return 'embedding';
    case 'rerank':
      return 'rerank';
    case 'completions':
    case 'completion':
      return 'completion';
    case 'moderations':
    case 'moderation':
      return 'moderation';
    case 'responses':
      return 'responses';
    default:
      return 'chat';
  }
}

function rateSetFor(price: ModelPrice, serviceTier: string | null | undefined): RateSet {
  if (serviceTier === 'priority' || serviceTier === 'fast') return price.priority ?? price.standard;
  if (serviceTier === 'flex') return price.flex ?? price.standard;
  return price.standard;
}

/** The tier a prompt of `promptTokens` falls in: the whole request is charged at it (LiteLLM, Anthropic, Google). */
export function ratesFor(set: RateSet, promptTokens: number, inclusive: boolean): Rates {
  for (const tier of set.tiers) {
    if (promptTokens > tier.above || (inclusive && promptTokens === tier.above)) return tier;
  }
  return set.base;
}

const whole = (n: number | null | undefined): number => (typeof n === 'number' && n > 0 ? n : 0);

/**
 * The cost in USD of one request from the usage the provider reported, in the canonical
 * (OpenAI) shape, where `prompt_tokens` INCLUDES cached reads and cache writes (the Anthropic and
 * Bedrock adapters add them in, as LiteLLM does; Gemini's promptTokenCount already has them) and
 * `completion_tokens` INCLUDES reasoning tokens. So:
 *   input  = (prompt - cached - cache writes) x input rate
 *   cache  = cached x cache-read rate + writes x cache-write rate (5m; 1h where the split is reported)
 *   output = (completion - reasoning) x output rate,  reasoning x reasoning rate
 * with every rate taken from the tier the prompt size falls in.
 */
export function costOf(usage: PricedUsage, price: ModelPrice, options: CostOptions = {}): CostBreakdown {
  const mode = options.mode ?? price.mode;
  const prompt = whole(usage.prompt_tokens);
  const r = ratesFor(rateSetFor(price, options.serviceTier), prompt, price.inclusiveThreshold);
  let input = 0;
  let cacheRead = 0;
  let cacheWrite = 0;
  let output = 0;
  let reasoning = 0;
  // Sums are in USD x 1e6 (rates are per million), turned into USD once at the end.
  if (mode === 'embedding') {
    input = prompt * r.input;
  } else if (mode === 'rerank') {
    input = whole(options.searchUnits) * price.perQuery + prompt * r.input;
  } else {
    const details = usage.prompt_tokens_details;
    const cached = Math.min(whole(details?.cached_tokens), prompt);
    const ttl = details?.cache_creation_token_details;
    const written1h = whole(ttl?.ephemeral_1h_input_tokens);
    const written = Math.min(Math.max(whole(details?.cache_creation_tokens), whole(ttl?.ephemeral_5m_input_tokens) + written1h), prompt - cached);
    const completion = whole(usage.completion_tokens);
    const thought = Math.min(whole(usage.completion_tokens_details?.reasoning_tokens), completion);
    input = (prompt - cached - written) * r.input;
    cacheRead = cached * r.cacheRead;
    cacheWrite = (written - Math.min(written1h, written)) * r.cacheWrite + Math.min(written1h, written) * r.cacheWrite1h;
    output = (completion - thought) * r.output;
    reasoning = thought * r.reasoning;
  }
  // Runtime pricing applies only where the model has no token price (LiteLLM's rule for cost_per_second).
  if (price.perSecond > 0 && r.input === 0 && r.output === 0) input += (whole(options.durationMs) * price.perSecond) / 1000;
  return {
    input: usd(input),
    cache_read: usd(cacheRead),
    cache_write: usd(cacheWrite),
    output: usd(output),
    reasoning: usd(reasoning),
    total: usd(input + cacheRead + cacheWrite + output + reasoning),
  };
}

/**
 * USD x 1e6 -> USD, to a trillionth of a dollar: a whole number of picodollars divided by 1e12 is
 * the double nearest that decimal, so it prints as one (dividing the sum by a million alone leaves
 * binary noise: 2.1 / 1e6 = 0.0000021000000000000002).
 */
function usd(micro: number): number {
  return Math.round(micro * 1e6) / 1e12;
}
