import { readFileSync } from 'node:fs';
import { compilePrice } from './compile.js';
import { candidates, TABLE_OF_PROVIDER, tablesFor, undated } from './model-ids.js';
import type { ModelPrice, PriceEntry } from './types.js';

/** The provider files shipped in src/prices (one per table). */
export const SHIPPED_PROVIDERS = [
  'openai', 'azure', 'anthropic', 'gemini', 'vertex_ai', 'mistral', 'groq', 'deepseek', 'xai', 'bedrock', 'cohere', 'ollama',
] as const;

/** The head of a shipped provider file: where and when its figures were taken. */
export interface ProviderInfo {
  provider: string;
  name: string;
  updated: string;
  source: string;
  figures: string;
  models: number;
}

interface ProviderFile extends Omit<ProviderInfo, 'models'> {
  models: Record<string, PriceEntry>;
}

/** Local inference has no per-token charge: any Ollama model not listed is free. */
const FREE_TABLES: ReadonlySet<string> = new Set(['ollama']);
const FREE: PriceEntry = Object.freeze({ input_cost_per_token: 0, output_cost_per_token: 0, mode: 'chat' });

interface Slot {
  entry: PriceEntry;
  origin: ModelPrice['origin'];
  compiled: ModelPrice | null;
}

/** One provider's models by key, with lower-case keys and undated aliases pointing at them. */
class ProviderTable {
  readonly slots = new Map<string, Slot>();
  private aliases: Map<string, string> | null = null;

  constructor(readonly provider: string) {}

  set(key: string, entry: PriceEntry, origin: ModelPrice['origin']): void {
    this.slots.set(key, { entry, origin, compiled: null });
    this.aliases = null;
  }

  find(key: string): ModelPrice | null {
    const real = this.slots.has(key) ? key : this.aliasIndex().get(key);
    if (real === undefined) return null;
    const slot = this.slots.get(real)!;
    return (slot.compiled ??= compilePrice(this.provider, real, slot.entry, slot.origin));
  }

  /** lower-case key -> key, and undated id -> the latest dated key (`claude-3-7-sonnet` -> `...-20250219`). */
  private aliasIndex(): Map<string, string> {
    if (this.aliases) return this.aliases;
    const aliases = new Map<string, string>();
    for (const key of this.slots.keys()) {
      const lower = key.toLowerCase();
      if (lower !== key && !this.slots.has(lower)) aliases.set(lower, key);
    }
    for (const key of [...this.slots.keys()].sort()) {
      const base = undated(key.toLowerCase());
      if (base && !this.slots.has(base)) aliases.set(base, key);
    }
    return (this.aliases = aliases);
  }
}

function readShipped(provider: string): ProviderFile {
  return JSON.parse(readFileSync(new URL(`./prices/${provider}.json`, import.meta.url), 'utf8')) as ProviderFile;
}

/**
 * Prices by provider table and model key: the shipped files, optionally with LiteLLM price maps
 * merged over them. Tables are filled on first use; each entry is compiled on its first lookup.
 */
export class PriceTable {
  private readonly tables = new Map<string, ProviderTable>();
  private readonly info: ProviderInfo[] = [];
  private readonly cache = new Map<string, ModelPrice | null>();

  /** The shipped table alone, loaded once (on first call). */
  static shipped(): PriceTable {
    return (shippedTable ??= PriceTable.create());
  }

  /** The shipped table with LiteLLM-format price maps (objects or file paths) merged over it, later ones winning. */
  static create(maps: ReadonlyArray<string | Readonly<Record<string, unknown>>> = []): PriceTable {
    const table = new PriceTable();
    for (const provider of SHIPPED_PROVIDERS) {
      const file = readShipped(provider);
      const t = table.table(provider);
      for (const [key, entry] of Object.entries(file.models)) t.set(key, entry, 'table');
      table.info.push({ provider, name: file.name, updated: file.updated, source: file.source, figures: file.figures, models: t.slots.size });
    }
    for (const map of maps) table.merge(typeof map === 'string' ? readPriceFile(map) : map);
    return table;
  }

  /** Where each shipped provider's figures came from. */
  providers(): readonly ProviderInfo[] {
    return this.info;
  }

  /**
   * The price of `model` as `provider` serves it, or null when no table knows it. Cached per
   * (provider, model): the hot path is one Map lookup.
   */
  lookup(provider: string, model: string): ModelPrice | null {
    const cacheKey = `${provider}\u0000${model}`;
    const hit = this.cache.get(cacheKey);
    if (hit !== undefined) return hit;
    const found = this.resolve(provider, model);
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(cacheKey, found);
    return found;
  }

  private resolve(provider: string, model: string): ModelPrice | null {
    const ids = candidates(model);
    for (const name of tablesFor(provider)) {
      const t = this.tables.get(name);
      if (!t) continue;
      for (const id of ids) {
        const p = t.find(id);
        if (p) return p;
      }
      if (FREE_TABLES.has(name)) return compilePrice(name, '*', FREE, 'table');
    }
    // Entries of a price file that named no provider price that model name under any provider.
    const custom = this.tables.get('');
    for (const id of ids) {
      const p = custom?.find(id);
      if (p) return p;
    }
    return null;
  }

  /** Merge one LiteLLM-format map: `{ "<model>": { litellm_provider, input_cost_per_token, ... } }`. */
  private merge(map: Readonly<Record<string, unknown>>): void {
    for (const [rawKey, value] of Object.entries(map)) {
      if (rawKey === 'sample_spec' || !value || typeof value !== 'object' || Array.isArray(value)) continue;
      const entry = value as PriceEntry;
      const litellmProvider = typeof entry.litellm_provider === 'string' ? entry.litellm_provider : '';
      const name = TABLE_OF_PROVIDER[litellmProvider] ?? litellmProvider;
      // LiteLLM keys often repeat the provider ("azure/gpt-4o", "vertex_ai/claude-..."); tables key by the bare id.
      const prefix = rawKey.indexOf('/');
      const head = prefix > 0 ? rawKey.slice(0, prefix) : '';
      const key = head && (head === litellmProvider || TABLE_OF_PROVIDER[head] === name) ? rawKey.slice(prefix + 1) : rawKey;
      this.table(name).set(key, entry, 'file');
    }
    this.cache.clear();
  }

  private table(name: string): ProviderTable {
    let t = this.tables.get(name);
    if (!t) this.tables.set(name, (t = new ProviderTable(name)));
    return t;
  }
}

let shippedTable: PriceTable | null = null;

/** A LiteLLM price-map file (`model_prices_and_context_window.json` format), read and checked. */
export function readPriceFile(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`price file ${path}: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`price file ${path}: expected an object of models, as in LiteLLM's model_prices_and_context_window.json`);
  }
  return parsed as Record<string, unknown>;
}
