import { padded, scoresInstance, SIMD_AVAILABLE, type ScoresInstance } from './simd.js';

/**
 * The vectors of one scope (tenant and model group): a bounded, flat Float32Array matrix of unit
 * vectors, so a lookup is one pass of dot products (O(n·d)), copying nothing.
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

/** Matrices from this size on live in a WebAssembly memory and are scanned with SIMD. */
const WASM_FROM_BYTES = 64 * 1024;

/**
 * At most `max` entries. Adding to a full scope first drops expired entries, then the entry that
 * expires soonest (the oldest, when entries share one TTL). Adding a vector of another dimension
 * (the embedding model changed) empties the scope first. Expiry is checked on every lookup, so an
 * expired entry never matches, whether or not it was swept yet.
 *
 * Rows are zero-padded to a multiple of 16 floats. A matrix of 64 KiB or more lives in its own
 * WebAssembly memory (rows from offset 0, then the query, then the scores) and a lookup is one
 * SIMD call plus a pass over n scores; a smaller one is a Float32Array scanned in JavaScript.
 */
export class ScopeVectors {
  private dim = 0;
  private stride = 0;
  private count = 0;
  private capacity = 0;
  private matrix = new Float32Array(0);
  private wasm: ScoresInstance | null = null;
  private keys: string[] = [];
  private expires: number[] = [];
  private readonly slotOf = new Map<string, number>();

  readonly max: number;

  /** At most `max` entries (at least 1); `simd: false` keeps the plain JavaScript scan (benchmarks, comparisons). */
  constructor(max: number, private readonly simd = SIMD_AVAILABLE) {
    this.max = Math.max(1, Math.floor(max) || 1);
  }

  get size(): number {
    return this.count;
  }

  get dimensions(): number {
    return this.dim;
  }

  /** Whether lookups run the SIMD scan. */
  get usesSimd(): boolean {
    return this.wasm !== null;
  }

  /** Bytes held, roughly: the matrix (or WebAssembly memory) as allocated plus keys and bookkeeping. */
  get bytes(): number {
    let keys = 0;
    for (let i = 0; i < this.count; i++) keys += 2 * this.keys[i].length + 64;
    return (this.wasm ? this.wasm.memory.buffer.byteLength : this.matrix.byteLength) + keys + 128;
  }

  /** Insert or replace `entryKey`; `unit` must already be unit length. Returns the keys evicted to make room. */
  put(entryKey: string, unit: Float32Array, expiresAt: number, now: number): string[] {
    const evicted: string[] = [];
    if (unit.length === 0) return evicted;
    if (this.count > 0 && unit.length !== this.dim) {
      evicted.push(...this.keys.slice(0, this.count));
      this.clear();
    }
    if (this.count === 0 && unit.length !== this.dim) {
      this.clear();
      this.dim = unit.length;
      this.stride = padded(unit.length);
    }
    let slot = this.slotOf.get(entryKey);
    if (slot === undefined) {
      if (this.count >= this.max) {
        for (let i = this.count - 1; i >= 0; i--) {
          if (this.expires[i] <= now) evicted.push(this.removeAt(i));
        }
        while (this.count >= this.max) evicted.push(this.removeAt(this.soonest()));
      }
      if (this.count >= this.capacity) this.grow();
      slot = this.count++;
      this.keys[slot] = entryKey;
      this.slotOf.set(entryKey, slot);
    }
    this.matrix.set(unit, slot * this.stride);
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
    let best = -1;
    let bestScore = -Infinity;
    if (this.wasm) {
      const st = this.stride;
      const qAt = this.capacity * st;
      const f = new Float32Array(this.wasm.memory.buffer);
      f.set(q, qAt);
      f.fill(0, qAt + d, qAt + st);
      const outAt = qAt + st;
      this.wasm.scores(qAt * 4, 0, this.count, st * 4, outAt * 4);
      for (let i = 0; i < this.count; i++) {
        const s = f[outAt + i];
        if (s > bestScore && this.expires[i] > now) {
          bestScore = s;
          best = i;
        }
      }
    } else {
      const m = this.matrix;
      const st = this.stride;
      for (let i = 0, offset = 0; i < this.count; i++, offset += st) {
        if (this.expires[i] <= now) continue;
        const s = dotAt(q, m, offset, d);
        if (s > bestScore) {
          bestScore = s;
          best = i;
        }
      }
    }
    if (best < 0 || bestScore < threshold) return null;
    return { entryKey: this.keys[best], score: Math.min(1, bestScore) };
  }

  clear(): void {
    this.count = 0;
    this.dim = 0;
    this.stride = 0;
    this.capacity = 0;
    this.matrix = new Float32Array(0);
    this.wasm = null;
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
      const st = this.stride;
      this.matrix.copyWithin(i * st, last * st, last * st + st);
      this.keys[i] = this.keys[last];
      this.expires[i] = this.expires[last];
      this.slotOf.set(this.keys[i], i);
    }
    this.keys.length = last;
    this.expires.length = last;
    this.count = last;
    return key;
  }

  /** Double the capacity (from 8, up to `max`); from 64 KiB on, the rows move into a WebAssembly memory. */
  private grow(): void {
    const st = this.stride;
    const capacity = Math.min(this.max, Math.max(8, this.capacity * 2));
    const used = this.count * st;
    if (this.simd && capacity * st * 4 >= WASM_FROM_BYTES) {
      const wasm = this.wasm ?? scoresInstance();
      if (wasm) {
        // rows, then the query (one row), then one score per row
        const need = (capacity * st + st + capacity) * 4;
        const have = wasm.memory.buffer.byteLength;
        if (need > have) wasm.memory.grow(Math.ceil((need - have) / 65536));
        const next = new Float32Array(wasm.memory.buffer, 0, capacity * st);
        if (!this.wasm) next.set(this.matrix.subarray(0, used));
        this.wasm = wasm;
        this.matrix = next;
        this.capacity = capacity;
        return;
      }
    }
    const next = new Float32Array(capacity * st);
    next.set(this.matrix.subarray(0, used));
    this.matrix = next;
    this.capacity = capacity;
  }
}
