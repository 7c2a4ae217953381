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
  close(): Promise<void>;
}
