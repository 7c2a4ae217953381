import type { SharedState, WindowCount } from './shared-state.js';

interface Window { count: number; endsAt: number }
interface Lease { holders: Map<number, number> }

/**
 * SharedState for one process. Expired entries are dropped when touched and by a sweep every
 * `sweepMs`, so memory stays bounded by the keys in use.
 */
export class MemorySharedState implements SharedState {
  readonly kind = 'memory';
  readonly shared = true;
  private readonly windows = new Map<string, Window>();
  private readonly leases = new Map<string, Lease>();
  private readonly values = new Map<string, { value: string; expiresAt: number }>();
  private readonly numbers = new Map<string, { value: number; expiresAt: number }>();
  private leaseSeq = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(sweepMs = 30_000, private readonly now: () => number = Date.now) {
    this.timer = setInterval(() => this.sweep(), sweepMs);
    this.timer.unref();
  }

  async hit(key: string, windowMs: number, amount = 1, limit?: number): Promise<WindowCount> {
    return this.hitSync(key, windowMs, amount, limit);
  }

  /** The same as `hit`, synchronously (the Redis store uses it as its fallback). */
  hitSync(key: string, windowMs: number, amount = 1, limit?: number): WindowCount {
    const now = this.now();
    let w = this.windows.get(key);
    if (!w || w.endsAt <= now) {
      w = { count: 0, endsAt: now + windowMs };
      this.windows.set(key, w);
    }
    if (limit !== undefined && w.count + amount > limit) return { count: w.count, allowed: false, resetMs: w.endsAt - now };
    w.count += amount;
    return { count: w.count, allowed: true, resetMs: w.endsAt - now };
  }

  async counts(keys: readonly string[]): Promise<WindowCount[]> {
    const now = this.now();
    return keys.map((k) => {
      const w = this.windows.get(k);
      return w && w.endsAt > now ? { count: w.count, allowed: true, resetMs: w.endsAt - now } : { count: 0, allowed: true, resetMs: 0 };
    });
  }

  async acquire(key: string, limit: number, leaseMs: number): Promise<(() => Promise<void>) | null> {
    const release = this.acquireSync(key, limit, leaseMs);
    return release ? async () => release() : null;
  }

  acquireSync(key: string, limit: number, leaseMs: number): (() => void) | null {
    const now = this.now();
    let l = this.leases.get(key);
    if (!l) this.leases.set(key, (l = { holders: new Map() }));
    for (const [id, exp] of l.holders) if (exp <= now) l.holders.delete(id);
    if (l.holders.size >= limit) return null;
    const id = ++this.leaseSeq;
    l.holders.set(id, now + leaseMs);
    const lease = l;
    return () => { lease.holders.delete(id); };
  }

  async inUse(keys: readonly string[]): Promise<number[]> {
    const now = this.now();
    return keys.map((k) => {
      const l = this.leases.get(k);
      if (!l) return 0;
      let n = 0;
      for (const exp of l.holders.values()) if (exp > now) n++;
      return n;
    });
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.values.set(key, { value, expiresAt: this.now() + ttlMs });
  }

  async get(keys: readonly string[]): Promise<Array<string | null>> {
    const now = this.now();
    return keys.map((k) => {
      const v = this.values.get(k);
      return v && v.expiresAt > now ? v.value : null;
    });
  }

  async delete(key: string): Promise<void> {
    this.values.delete(key);
    this.numbers.delete(key);
    this.windows.delete(key);
    this.leases.delete(key);
  }

  async incr(key: string, amount: number, ttlMs?: number): Promise<number> {
    const now = this.now();
    let n = this.numbers.get(key);
    if (!n || n.expiresAt <= now) n = { value: 0, expiresAt: Infinity };
    n.value += amount;
    if (ttlMs !== undefined) n.expiresAt = now + ttlMs;
    this.numbers.set(key, n);
    return n.value;
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, w] of this.windows) if (w.endsAt <= now) this.windows.delete(k);
    for (const [k, v] of this.values) if (v.expiresAt <= now) this.values.delete(k);
    for (const [k, n] of this.numbers) if (n.expiresAt <= now) this.numbers.delete(k);
    for (const [k, l] of this.leases) {
      for (const [id, exp] of l.holders) if (exp <= now) l.holders.delete(id);
      if (l.holders.size === 0) this.leases.delete(k);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }
}
