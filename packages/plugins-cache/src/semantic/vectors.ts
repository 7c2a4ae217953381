/**
 * The vectors of one scope (tenant and model group): a bounded, flat Float32Array matrix of unit
 * vectors, so a lookup is one pass of dot products (O(n·d)) with no allocation.
 */

/** A unit-length float32 copy of `v`; null for an empty, zero or non-finite vector (it can match nothing). */
export function normalise(v: ArrayLike<number>): Float32Array | null {
  const out = Float32Array.from(v);
  let sum = 0;
  for (let i = 0; i < out.length; i++) sum += out[i] * out[i];
  if (!(sum > 0) || !Number.isFinite(sum)) return null;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < out.length; i++) out[i] *= inv;
  return out;
}

/** Dot product of `q` with the `d` floats of `m` from `offset`, unrolled by four. */
function dotAt(q: Float32Array, m: Float32Array, offset: number, d: number): number {
  let a = 0;
  let b = 0;
  let c = 0;
  let e = 0;
  let i = 0;
  for (; i + 3 < d; i += 4) {
    const o = offset + i;
    a += q[i] * m[o];
    b += q[i + 1] * m[o + 1];
    c += q[i + 2] * m[o + 2];
    e += q[i + 3] * m[o + 3];
  }
  for (; i < d; i++) a += q[i] * m[offset + i];
  return a + b + c + e;
}

export interface Match {
  entryKey: string;
  score: number;
}

/**
 * At most `max` entries. Adding to a full scope first drops expired entries, then the entry that
 * expires soonest (the oldest, when entries share one TTL). Adding a vector of another dimension
 * (the embedding model changed) empties the scope first. Expiry is checked on every lookup, so an
 * expired entry never matches, whether or not it was swept yet.
 */
export class ScopeVectors {
  private dim = 0;
  private count = 0;
  private matrix = new Float32Array(0);
  private keys: string[] = [];
  private expires: number[] = [];
  private readonly slotOf = new Map<string, number>();

  constructor(readonly max: number) {}

  get size(): number {
    return this.count;
  }

  get dimensions(): number {
    return this.dim;
  }

  /** Bytes held, roughly: the matrix as allocated plus keys and bookkeeping. */
  get bytes(): number {
    let keys = 0;
    for (let i = 0; i < this.count; i++) keys += 2 * this.keys[i].length + 64;
    return this.matrix.byteLength + keys + 128;
  }

  /** Insert or replace `entryKey`; `unit` must already be unit length. Returns the keys evicted to make room. */
  put(entryKey: string, unit: Float32Array, expiresAt: number, now: number): string[] {
    const evicted: string[] = [];
    if (unit.length === 0) return evicted;
    if (this.count > 0 && unit.length !== this.dim) {
      evicted.push(...this.keys.slice(0, this.count));
      this.clear();
    }
    this.dim = unit.length;
    let slot = this.slotOf.get(entryKey);
    if (slot === undefined) {
      if (this.count >= this.max) {
        for (let i = this.count - 1; i >= 0; i--) {
          if (this.expires[i] <= now) evicted.push(this.removeAt(i));
        }
        while (this.count >= this.max) evicted.push(this.removeAt(this.soonest()));
      }
      slot = this.count++;
      this.grow(this.count);
      this.keys[slot] = entryKey;
      this.slotOf.set(entryKey, slot);
    }
    this.matrix.set(unit, slot * this.dim);
    this.expires[slot] = expiresAt;
    return evicted;
  }

  remove(entryKey: string): boolean {
    const slot = this.slotOf.get(entryKey);
    if (slot === undefined) return false;
    this.removeAt(slot);
    return true;
  }

  /** Drop expired entries; returns how many. */
  sweep(now: number): number {
    let n = 0;
    for (let i = this.count - 1; i >= 0; i--) {
      if (this.expires[i] <= now) {
        this.removeAt(i);
        n++;
      }
    }
    return n;
  }

  /** The live entry most similar to the unit vector `q` with a score >= threshold, else null. */
  nearest(q: Float32Array, threshold: number, now: number): Match | null {
    const d = this.dim;
    if (this.count === 0 || q.length !== d) return null;
    const m = this.matrix;
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0, offset = 0; i < this.count; i++, offset += d) {
      if (this.expires[i] <= now) continue;
      const s = dotAt(q, m, offset, d);
      if (s > bestScore) {
        bestScore = s;
        best = i;
      }
    }
    if (best < 0 || bestScore < threshold) return null;
    return { entryKey: this.keys[best], score: Math.min(1, bestScore) };
  }

  clear(): void {
    this.count = 0;
    this.dim = 0;
    this.matrix = new Float32Array(0);
    this.keys = [];
    this.expires = [];
    this.slotOf.clear();
  }

  private soonest(): number {
    let at = 0;
    for (let i = 1; i < this.count; i++) if (this.expires[i] < this.expires[at]) at = i;
    return at;
  }

  /** Remove slot `i` by moving the last entry into it; returns the removed key. */
  private removeAt(i: number): string {
    const key = this.keys[i];
    const last = this.count - 1;
    this.slotOf.delete(key);
    if (i !== last) {
      const d = this.dim;
      this.matrix.copyWithin(i * d, last * d, last * d + d);
      this.keys[i] = this.keys[last];
      this.expires[i] = this.expires[last];
      this.slotOf.set(this.keys[i], i);
    }
    this.keys.length = last;
    this.expires.length = last;
    this.count = last;
    return key;
  }

  /** Room for `rows` vectors: capacity doubles (from 8) up to `max`. */
  private grow(rows: number): void {
    const need = rows * this.dim;
    if (this.matrix.length >= need) return;
    const cap = Math.min(this.max, Math.max(8, this.matrix.length / Math.max(1, this.dim) * 2, rows));
    const next = new Float32Array(cap * this.dim);
    next.set(this.matrix.subarray(0, (rows - 1) * this.dim));
    this.matrix = next;
  }
}
