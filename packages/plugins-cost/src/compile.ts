import type { Mode, ModelPrice, PriceEntry, RateSet, Rates, TierRates } from './types.js';

const MODES: ReadonlySet<string> = new Set<Mode>(['chat', 'completion', 'responses', 'embedding', 'rerank', 'moderation']);

/** `_above_200k_tokens` (optionally before a service-tier suffix): LiteLLM's tier keys. */
const TIER_KEY = /_above_(\d+(?:\.\d+)?)(k?)_tokens(?:_(?:priority|flex))?$/;

/**
 * Cost keys a deployment may override (LiteLLM's names, litellm/types/utils.py ModelInfo and
 * CustomPricingLiteLLMParams), tiered and service-tier variants included.
 */
export function isCostKey(key: string): boolean {
  return (
    /^(input|output)_cost_per_(token|reasoning_token|query|second)/.test(key) ||
    /^cache_(read|creation)_input_token_cost/.test(key) ||
    key === 'cost_per_second'
  );
}

/** Model facts `model_info` may also override (in params, `max_tokens` is a request default instead). */
export const INFO_KEYS: ReadonlySet<string> = new Set(['max_input_tokens', 'max_output_tokens', 'max_tokens', 'mode']);

/** LiteLLM accepts rates as numbers or numeric strings ("3e-7" from a YAML config). */
export function rate(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  }
  return undefined;
}

/**
 * USD per token -> USD per million tokens, rounded to 12 significant digits. Costs are summed in
 * these units (whole tokens x a short decimal) and divided by a million once, so 100 tokens at 3e-6
 * cost 0.0003, not 0.00030000000000000003.
 */
export function perMillion(usdPerToken: number): number {
  return Number((usdPerToken * 1e6).toPrecision(12));
}

function thresholds(entry: PriceEntry): string[] {
  const found = new Map<string, number>();
  for (const key of Object.keys(entry)) {
    const m = TIER_KEY.exec(key);
    if (m && !found.has(`${m[1]}${m[2]}`)) found.set(`${m[1]}${m[2]}`, Number(m[1]) * (m[2] ? 1000 : 1));
  }
  return [...found.entries()].sort((a, b) => b[1] - a[1]).map(([label]) => label);
}

/** Rates of one service tier ('' = standard): a `_priority`/`_flex` key wins over the standard key. */
function rateSet(entry: PriceEntry, suffix: string, labels: readonly string[]): RateSet {
  const get = (key: string): number | undefined => {
    const usd = (suffix ? rate(entry[key + suffix]) : undefined) ?? rate(entry[key]);
    return usd === undefined ? undefined : perMillion(usd);
  };
  const input = get('input_cost_per_token') ?? 0;
  const output = get('output_cost_per_token') ?? 0;
  const explicitReasoning = get('output_cost_per_reasoning_token');
  // A missing cache price charges those tokens as plain input, never as free (LiteLLM charges 0).
  const cacheWrite = get('cache_creation_input_token_cost') ?? input;
  const base: Rates = {
    input,
    output,
    cacheRead: get('cache_read_input_token_cost') ?? input,
    cacheWrite,
    cacheWrite1h: get('cache_creation_input_token_cost_above_1hr') ?? cacheWrite,
    reasoning: explicitReasoning ?? output,
  };
  // LiteLLM litellm_core_utils/llm_cost_calc/utils.py `_get_token_base_cost`: above a threshold
  // every kind takes its tier rate, falling back to the base rate of the same kind.
  const tiers: TierRates[] = labels.map((label) => {
    const at = (key: string): number | undefined => get(`${key}_above_${label}_tokens`);
    const tierOutput = at('output_cost_per_token') ?? base.output;
    return {
      above: Number(label.replace('k', '')) * (label.endsWith('k') ? 1000 : 1),
      input: at('input_cost_per_token') ?? base.input,
      output: tierOutput,
      cacheRead: at('cache_read_input_token_cost') ?? base.cacheRead,
      cacheWrite: at('cache_creation_input_token_cost') ?? base.cacheWrite,
      cacheWrite1h: at('cache_creation_input_token_cost_above_1hr') ?? base.cacheWrite1h,
      reasoning: at('output_cost_per_reasoning_token') ?? explicitReasoning ?? tierOutput,
    };
  });
  return { base, tiers };
}

function hasSuffix(entry: PriceEntry, suffix: string): boolean {
  for (const key of Object.keys(entry)) if (key.endsWith(suffix) && isCostKey(key)) return true;
  return false;
}

function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

export function compilePrice(provider: string, key: string, entry: PriceEntry, origin: ModelPrice['origin']): ModelPrice {
  const labels = thresholds(entry);
  const mode = typeof entry.mode === 'string' && MODES.has(entry.mode) ? (entry.mode as Mode) : 'chat';
  return {
    key,
    provider,
    mode,
    maxInputTokens: count(entry.max_input_tokens) ?? count(entry.max_tokens),
    maxOutputTokens: count(entry.max_output_tokens) ?? (mode === 'embedding' ? null : count(entry.max_tokens)),
    standard: rateSet(entry, '', labels),
    priority: hasSuffix(entry, '_priority') ? rateSet(entry, '_priority', labels) : null,
    flex: hasSuffix(entry, '_flex') ? rateSet(entry, '_flex', labels) : null,
    perQuery: perMillion(rate(entry.input_cost_per_query) ?? 0),
    // LiteLLM >= 1.105: cost_per_second, then the legacy input_/output_cost_per_second, charged once.
    perSecond: perMillion(rate(entry.cost_per_second) ?? rate(entry.input_cost_per_second) ?? rate(entry.output_cost_per_second) ?? 0),
    // LiteLLM `_INCLUSIVE_THRESHOLD_PROVIDERS = {"xai"}`.
    inclusiveThreshold: provider === 'xai',
    origin,
    entry,
  };
}
