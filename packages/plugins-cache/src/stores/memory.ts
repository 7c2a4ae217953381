import { LRUCache } from 'lru-cache';
import type { CacheStore, StoredEntry } from './types.js';

interface Held {
  createdAt: number;
  /** The response as JSON: its length bounds the memory, and every hit gets its own copy to change. */
  json: string;
}

/** Per-entry overhead counted against the byte bound besides the key and the JSON (object headers, LRU links). */
const OVERHEAD = 96;

export interface MemoryStoreOptions {
  /** Bound on the entries' size: JSON characters (about bytes for ASCII answers) plus keys and a fixed overhead. */
  maxBytes: number;
}

/**
 * An in-process LRU (lru-cache) with a TTL per entry and a byte bound: the least recently used
 * entries go first when a new one would pass it. Expired entries are dropped when read (no timers).
 */
export class MemoryStore implements CacheStore {
  readonly kind = 'memory';
  private readonly lru: LRUCache<string, Held>;

  constructor(options: MemoryStoreOptions) {
    this.lru = new LRUCache<string, Held>({
      maxSize: options.maxBytes,
      sizeCalculation: (v, k) => v.json.length + k.length + OVERHEAD,
      ttlAutopurge: false,
      allowStale: false,
      updateAgeOnGet: false,
    });
  }

  get(key: string): StoredEntry | undefined {
    const h = this.lru.get(key);
    return h ? { createdAt: h.createdAt, response: JSON.parse(h.json) } : undefined;
  }

  set(key: string, entry: StoredEntry, ttlMs: number): void {
    this.lru.set(key, { createdAt: entry.createdAt, json: JSON.stringify(entry.response) }, { ttl: ttlMs });
  }

  /** Entries held now, and their counted size. */
  get size(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }

  has(key: string): boolean {
    return this.lru.has(key);
  }

  async delete(keys: readonly string[]): Promise<number> {
    let n = 0;
    for (const k of keys) if (this.lru.delete(k)) n++;
    return n;
  }

  async clear(): Promise<void> {
    this.lru.clear();
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.lru.clear();
  }
}
