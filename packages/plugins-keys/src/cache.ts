import { LRUCache } from 'lru-cache';
import { storeUnavailable } from './errors.js';

export interface CacheOptions {
  /** How long a loaded record is served without asking the store again (default 30 s). */
  ttlMs?: number;
  /** How long "no such record" is remembered (default 5 s). */
  negativeTtlMs?: number;
  /** Records kept per entity type (default 10 000); the least recently used go first. */
  max?: number;
}

const MISSING = Object.freeze({ missing: true as const });
type Missing = typeof MISSING;

/**
 * Records by id, loaded from the store on a miss and kept for `ttlMs`. When the store fails, a
 * record seen before is served stale (so a database outage does not stop known keys) and the
 * failure is reported once per outage; an id never seen then answers 503.
 */
export class RecordCache<T extends object> {
  private readonly lru: LRUCache<string, T | Missing>;

  constructor(
    private readonly load: (id: string) => Promise<T | null>,
    options: CacheOptions,
    private readonly onStoreError: (err: unknown) => void,
  ) {
    const negativeTtl = options.negativeTtlMs ?? 5_000;
    this.lru = new LRUCache<string, T | Missing>({
      max: options.max ?? 10_000,
      ttl: options.ttlMs ?? 30_000,
      // A stale entry stays so the loader can fall back to it.
      noDeleteOnStaleGet: true,
      fetchMethod: async (id, stale, { options: entry }) => {
        try {
          const record = await this.load(id);
          if (record) return record;
          entry.ttl = negativeTtl;
          return MISSING;
        } catch (err) {
          this.onStoreError(err);
          // Served for another TTL, after which the store is tried again.
          if (stale !== undefined) return stale;
          throw err;
        }
      },
    });
  }

  /** The record, null when the store has none; throws 503 when the store is down and nothing is cached. */
  async get(id: string): Promise<T | null> {
    const fresh = this.peek(id);
    if (fresh !== undefined) return fresh;
    let value: T | Missing | undefined;
    try {
      value = await this.lru.fetch(id);
    } catch {
      throw storeUnavailable();
    }
    return value === undefined || value === MISSING ? null : (value as T);
  }

  /** The record when it is cached and fresh (null: known not to exist); undefined when it must be loaded. */
  peek(id: string): T | null | undefined {
    const fresh = this.lru.get(id);
    return fresh === undefined ? undefined : fresh === MISSING ? null : (fresh as T);
  }

  /** Drop a record so the next read loads it again (after an update or delete). */
  invalidate(id: string): void {
    this.lru.delete(id);
  }

  clear(): void {
    this.lru.clear();
  }
}
