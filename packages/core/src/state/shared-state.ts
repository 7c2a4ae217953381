/**
 * State that gateway processes share: rate windows, concurrency slots, cooldowns and counters.
 * The core registers an in-memory store (one process); `@tollgate/state-redis` registers a Redis
 * store under the same token, so N processes behind one load balancer enforce one limit, see one
 * cooldown and lose no spend. Plugins depend on this interface only, never on Redis.
 *
 * Keys are plain strings chosen by the caller (prefix them with your plugin's name). Every method
 * is atomic per key. A store whose backend is unreachable keeps answering from process memory
 * (`shared` is then false) and resumes sharing when the backend is back.
 */
export interface SharedState {
  /** 'memory', 'redis', ... */
  readonly kind: string;
  /** True while answers reflect every process (the backend is reachable). */
  readonly shared: boolean;

  /**
   * A rate window: atomically add `amount` (default 1) to `key`'s count unless `limit` is given
   * and `count + amount > limit`, in which case nothing is added and `allowed` is false.
   * The window opens at the first hit and lasts `windowMs`; then the count starts again from 0.
   */
  hit(key: string, windowMs: number, amount?: number, limit?: number): Promise<WindowCount>;
  /** Current counts of several windows (0 for an absent or expired window), in order. */
  counts(keys: readonly string[]): Promise<WindowCount[]>;

  /**
   * Take one of `limit` concurrent slots. Resolves to a release function, or null when all are
   * taken. A holder that dies without releasing frees its slot after `leaseMs`.
   */
  acquire(key: string, limit: number, leaseMs: number): Promise<(() => Promise<void>) | null>;
  /** Slots in use per key, in order. */
  inUse(keys: readonly string[]): Promise<number[]>;

  /** A value that expires after `ttlMs` (cooldowns, circuit state, cached lookups). */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Values of several keys (null when absent or expired), in order. */
  get(keys: readonly string[]): Promise<Array<string | null>>;
  delete(key: string): Promise<void>;

  /** Add to a float counter (spend) and return the new total; `ttlMs` (re)sets its expiry. */
  incr(key: string, amount: number, ttlMs?: number): Promise<number>;

  /** Release connections (called on gateway shutdown). */
  close?(): Promise<void>;
}

export interface WindowCount {
  /** The count in the current window after this call. */
  count: number;
  /** False when the hit was refused because it would pass the limit. */
  allowed: boolean;
  /** Milliseconds until the current window ends (0 when no window is open). */
  resetMs: number;
}
