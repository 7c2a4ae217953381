/** A stored answer: the complete response (streams assembled) and when it was stored. */
export interface StoredEntry {
  /** Date.now() at store time (for `s-maxage` / `max-age`). */
  createdAt: number;
  response: unknown;
}

/**
 * Where entries live. A store never throws to the request: an unreachable backend answers
 * `undefined` (a miss) and drops writes.
 */
export interface CacheStore {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<StoredEntry | undefined> | StoredEntry | undefined;
  set(key: string, entry: StoredEntry, ttlMs: number): Promise<void> | void;
  /** Remove entries by key; how many were there. */
  delete(keys: readonly string[]): Promise<number>;
  /** Remove every entry of this cache (only its own keys in a shared Redis). */
  clear(): Promise<void>;
  /** Throws when the backend does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
