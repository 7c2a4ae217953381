import { compilePrice, INFO_KEYS, isCostKey, rate } from './compile.js';
import { TABLE_OF_PROVIDER } from './model-ids.js';
import { PriceTable } from './table.js';
import type { ModelPrice, PriceEntry, PriceOverrides } from './types.js';

/** `model_info.base_model` (LiteLLM's key; also read from params): "azure/gpt-4o" or "gpt-4o". */
export function baseModelOf(overrides: PriceOverrides | undefined): string | null {
  for (const source of [overrides?.model_info, overrides?.params, overrides?.litellm_params]) {
    const v = source?.base_model;
    if (typeof v === 'string' && v.trim()) return v.trim();
  }
  return null;
}

function checked(where: string, key: string, value: unknown): unknown {
  const ok = key === 'mode' ? typeof value === 'string' : INFO_KEYS.has(key) ? typeof value === 'number' : rate(value) !== undefined;
  if (!ok) throw new Error(`${where}.${key}: expected ${key === 'mode' ? 'a string' : 'a non-negative number'}, got ${JSON.stringify(value)}`);
  return value;
}

/** Price keys set on the deployment: model_info first, then params / litellm_params over it. */
function overrideKeys(overrides: PriceOverrides | undefined): PriceEntry | null {
  let out: PriceEntry | null = null;
  const sources = [
    ['model_info', overrides?.model_info, true],
    ['params', overrides?.params, false],
    ['litellm_params', overrides?.litellm_params, false],
  ] as const;
  for (const [where, source, info] of sources) {
    if (!source) continue;
    for (const [key, value] of Object.entries(source)) {
      if (isCostKey(key) || (info && INFO_KEYS.has(key))) (out ??= {})[key] = checked(where, key, value);
    }
  }
  return out;
}

/** The table's price for a base model name: "azure/gpt-4o" in Azure's table, a bare "gpt-4o" in the deployment's provider's. */
export function lookupBase(base: string, provider: string, table: PriceTable = PriceTable.shipped()): ModelPrice | null {
  const slash = base.indexOf('/');
  const head = slash > 0 ? base.slice(0, slash) : '';
  return head && TABLE_OF_PROVIDER[head] ? table.lookup(head, base.slice(slash + 1)) : table.lookup(provider, base);
}

/**
 * The price of a deployment's model: `provider` and `providerModel` as in "provider/model", with
 * `model_info.base_model` naming the model an Azure (or any) deployment runs, and price keys in
 * `model_info`, `params` or `litellm_params` (LiteLLM's names) overriding the table's figures.
 * Null when nothing prices the model.
 */
export function priceFor(
  provider: string,
  providerModel: string,
  overrides?: PriceOverrides,
  table: PriceTable = PriceTable.shipped(),
): ModelPrice | null {
  const base = baseModelOf(overrides);
  let found = base ? lookupBase(base, provider, table) : null;
  found ??= table.lookup(provider, providerModel);
  const keys = overrideKeys(overrides);
  if (!keys) return found;
  return compilePrice(found?.provider ?? provider, found?.key ?? providerModel, { ...found?.entry, ...keys }, 'override');
}
