import { LRUCache } from 'lru-cache';
import { normalise, ScopeVectors } from './vectors.js';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES_PER_SCOPE, type SemanticIndex } from './types.js';

export interface MemoryIndexOptions {
  /** Entries per scope; adding to a full scope evicts the entry that expires soonest. Default 1,000. */
  maxEntriesPerScope?: number;
  /** Bytes across all scopes; past it, the least recently used scopes are dropped whole. Default 256 MiB. */
  maxBytes?: number;
  /** Clock (tests). */
  now?: () => number;
  /** false: scan with the plain JavaScript loop even where WebAssembly SIMD is available (benchmarks). */
  simd?: boolean;
}

/** Scopes in a byte-bounded LRU, each a ScopeVectors; sizes are re-counted on every add. */
export function scopeCache(maxBytes: number): LRUCache<string, ScopeVectors> {
  return new LRUCache<string, ScopeVectors>({ maxSize: maxBytes, sizeCalculation: (s) => Math.max(1, s.bytes) });
}

/**
 * The in-process index: a lookup is one pass of dot products over the scope's unit vectors,
 * O(n·d) with n <= maxEntriesPerScope. Nothing runs on a timer: expired entries never match and
 * are swept when the scope is next written.
 */
export function createMemoryIndex(opts: MemoryIndexOptions = {}): SemanticIndex {
  const max = opts.maxEntriesPerScope ?? DEFAULT_MAX_ENTRIES_PER_SCOPE;
  const now = opts.now ?? Date.now;
  const scopes = scopeCache(opts.maxBytes ?? DEFAULT_MAX_BYTES);
  return {
    async search(scope, vector, threshold) {
      const s = scopes.get(scope);
      if (!s) return null;
      const q = normalise(vector);
      return q ? s.nearest(q, threshold, now()) : null;
    },
    async add(scope, vector, entryKey, ttlMs) {
      const unit = normalise(vector);
      if (!unit || !(ttlMs > 0)) return;
      const t = now();
      const s = scopes.get(scope) ?? new ScopeVectors(max, opts.simd);
      s.sweep(t);
      s.put(entryKey, unit, t + ttlMs, t);
      scopes.set(scope, s);
    },
    async close() {
      scopes.clear();
    },
  };
}
