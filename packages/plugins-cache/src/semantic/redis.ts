import { endianness } from 'node:os';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { normalise, ScopeVectors } from './vectors.js';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES_PER_SCOPE, type SemanticIndex } from './types.js';

export interface RedisIndexOptions {
  /** The caller's client; the index never closes it. */
  redis: Redis;
  /** Prefix of every key the index writes. */
  prefix: string;
  /** Entries per scope; adding to a full scope evicts the entry that expires soonest. Default 1,000. */
  maxEntriesPerScope?: number;
  /** One line when Redis is lost (not one per lookup). */
  logger?: { warn(obj: object, msg: string): void };
  /**
   * How long this process answers lookups from its copy of a scope's vectors before asking Redis
   * (one GET of a version number) whether the scope changed; only the entries written since are
   * transferred then. Default 1,000 ms: another process's entry can be missed for that long.
   */
  vectorCacheMs?: number;
  /** Longest a Redis call may take; past it the lookup is a miss (and an add is dropped). Default 500 ms. */
  timeoutMs?: number;
  /** Bytes of scope copies kept in process; least recently used scopes are dropped first. Default 256 MiB. */
  maxBytes?: number;
  /** Clock (tests). */
  now?: () => number;
}

/**
 * One scope in Redis is four keys sharing a hash tag (one cluster slot):
 *   `{prefix}{scope}:vec`  hash   entry key -> float64 LE expiry (ms) + float32 LE unit vector
 *   `{prefix}{scope}:exp`  zset   entry key, scored by its expiry (ms): sweeping and eviction order
 *   `{prefix}{scope}:seq`  zset   entry key, scored by the version that wrote it: what changed since a copy
 *   `{prefix}{scope}:ver`  string bumped by every add: a copy at the same version is current
 * Every add is one script: drop expired entries (all of them if the vector's dimension differs:
 * the embedding model changed), evict the soonest-expiring while full, write the entry, bump the
 * version, and expire the keys with the scope's longest-lived entry. It returns the version
 * before and after and the keys it removed, so the process that wrote updates its own copy in
 * place. A version starts from the clock (µs), so a scope that expired and came back never
 * repeats a version a process still holds.
 */
const ADD = `
local vec, exp, seq, ver = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local key, value, expiresAt, now, max, start = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local prev = redis.call('GET', ver)
local removed
local first = redis.call('ZRANGE', exp, 0, 0)[1]
if first and redis.call('HSTRLEN', vec, first) ~= #value then
  removed = redis.call('ZRANGE', exp, 0, -1)
  redis.call('DEL', vec, exp, seq)
else
  removed = redis.call('ZRANGEBYSCORE', exp, '-inf', now)
  if #removed > 0 then redis.call('ZREMRANGEBYSCORE', exp, '-inf', now) end
end
if not redis.call('ZSCORE', exp, key) then
  local n = redis.call('ZCARD', exp)
  if n >= max then
    local victims = redis.call('ZRANGE', exp, 0, n - max)
    redis.call('ZREMRANGEBYRANK', exp, 0, n - max)
    for i = 1, #victims do removed[#removed + 1] = victims[i] end
  end
end
for i = 1, #removed, 500 do
  local j = math.min(i + 499, #removed)
  redis.call('HDEL', vec, unpack(removed, i, j))
  redis.call('ZREM', seq, unpack(removed, i, j))
end
if not prev then redis.call('SET', ver, start) end
local v = redis.call('INCR', ver)
redis.call('HSET', vec, key, value)
redis.call('ZADD', exp, expiresAt, key)
redis.call('ZADD', seq, v, key)
local last = redis.call('ZRANGE', exp, -1, -1, 'WITHSCORES')[2]
redis.call('PEXPIREAT', vec, last)
redis.call('PEXPIREAT', exp, last)
redis.call('PEXPIREAT', seq, last)
redis.call('PEXPIREAT', ver, last)
local out = { prev or '', v }
for i = 1, #removed do out[#out + 1] = removed[i] end
return out
`;

type AddCommand = (vec: string, exp: string, seq: string, ver: string, key: string, value: Buffer, expiresAt: number, now: number, max: number, start: string) => Promise<[string, number, ...string[]]>;
type Client = Redis & { tollgateSemanticAdd: AddCommand };

/** This process's copy of one scope, and the version it was read at ('' = the scope did not exist). */
interface Snapshot {
  version: string;
  vectors: ScopeVectors;
  checkedAt: number;
}

/** Client states in which a command would only wait in ioredis's offline queue. */
const DOWN = new Set(['reconnecting', 'close', 'end']);
const LE = endianness() === 'LE';

/**
 * The Redis-backed index (no vector-search module needed): vectors live in Redis so every gateway
 * process shares them; similarity is computed in process over a copy of the scope, re-validated
 * with one small GET at most every `vectorCacheMs`. A lookup is O(n·d) dot products with n <=
 * maxEntriesPerScope; when the scope changed, the k entries written since the copy's version
 * (k·(8 + 4d) bytes); the whole scope (n·(8 + 4d) bytes) only for a process without a copy.
 * Redis unreachable, slow or failing: lookups answer null, adds are dropped, one warn line per outage.
 */
export function createRedisIndex(opts: RedisIndexOptions): SemanticIndex {
  const max = Math.max(1, Math.floor(opts.maxEntriesPerScope ?? DEFAULT_MAX_ENTRIES_PER_SCOPE) || 1);
  const cacheMs = opts.vectorCacheMs ?? 1000;
  const timeoutMs = opts.timeoutMs ?? 500;
  const now = opts.now ?? Date.now;
  const redis = opts.redis as Client;
  redis.defineCommand('tollgateSemanticAdd', { numberOfKeys: 4, lua: ADD });
  const copies = new LRUCache<string, Snapshot>({ maxSize: opts.maxBytes ?? DEFAULT_MAX_BYTES, sizeCalculation: (s) => Math.max(1, s.vectors.bytes) });
  const loading = new Map<string, Promise<Snapshot | null>>();
  let down = false;

  const keys = (scope: string) => {
    const base = `${opts.prefix}{${scope}}`;
    return { vec: `${base}:vec`, exp: `${base}:exp`, seq: `${base}:seq`, ver: `${base}:ver` };
  };

  function failed(err: unknown, op: 'search' | 'add'): void {
    if (down) return;
    down = true;
    opts.logger?.warn({ op, err: err instanceof Error ? err.message : String(err) }, 'semantic cache: Redis unavailable; semantic lookups miss and nothing is indexed until it answers');
  }

  /** The command `run` sends, answered within timeoutMs, else a rejection (a late answer is ignored). Not sent while reconnecting. */
  function within<T>(run: () => Promise<T>): Promise<T> {
    if (DOWN.has(redis.status)) return Promise.reject(new Error(`Redis connection is ${redis.status}`));
    const p = run();
    p.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }

  async function refresh(scope: string, copy: Snapshot | undefined): Promise<Snapshot | null> {
    const k = keys(scope);
    try {
      const version = (await within(() => redis.get(k.ver))) ?? '';
      const t = now();
      let snap: Snapshot | null;
      if (copy && copy.version === version) {
        copy.checkedAt = t;
        snap = copy;
      } else if (version === '') snap = { version, vectors: new ScopeVectors(max), checkedAt: t };
      else snap = (copy && copy.version !== '' && (await catchUp(k, copy, t))) || (await fetchAll(k, t));
      down = false;
      copies.set(scope, snap);
      return snap;
    } catch (err) {
      failed(err, 'search');
      return null;
    }
  }

  /** The whole scope: the version and the vectors in one transaction, so the copy is exactly that version. */
  async function fetchAll(k: ReturnType<typeof keys>, t: number): Promise<Snapshot> {
    const res = await within(() => redis.multi().get(k.ver).hgetallBuffer(k.vec).exec());
    if (!res) throw new Error('Redis transaction aborted');
    for (const [err] of res) if (err) throw err;
    return { version: (res[0][1] as string | null) ?? '', vectors: decodeScope(res[1][1] as Record<string, Buffer>, max, t), checkedAt: t };
  }

  /**
   * Only what was written since the copy's version (other processes' adds): their keys from the
   * `seq` zset, their vectors with one HMGET. Entries that others evicted stay in the copy until
   * its own bound or their expiry drops them (the copy applies the same eviction order); a match on
   * one finds no answer in the entry store and is a miss. Null when a full fetch is simpler: more
   * new entries than the bound, or a change of dimension.
   */
  async function catchUp(k: ReturnType<typeof keys>, copy: Snapshot, t: number): Promise<Snapshot | null> {
    const res = await within(() => redis.multi().get(k.ver).zrangebyscore(k.seq, `(${copy.version}`, '+inf').exec());
    if (!res) throw new Error('Redis transaction aborted');
    for (const [err] of res) if (err) throw err;
    const version = (res[0][1] as string | null) ?? '';
    const changed = res[1][1] as string[];
    if (version === '' || changed.length > max) return null;
    const values = changed.length ? await within(() => redis.hmgetBuffer(k.vec, ...changed)) : [];
    for (let i = 0; i < changed.length; i++) {
      const entry = values[i] ? decodeEntry(values[i]!) : null;
      if (!entry || entry.expiresAt <= t) continue;
      if (copy.vectors.size > 0 && entry.vector.length !== copy.vectors.dimensions) return null;
      copy.vectors.put(changed[i], entry.vector, entry.expiresAt, t);
    }
    copy.version = version;
    copy.checkedAt = t;
    return copy;
  }

  function load(scope: string): Promise<Snapshot | null> | Snapshot {
    const copy = copies.get(scope);
    if (copy && now() - copy.checkedAt < cacheMs) return copy;
    let p = loading.get(scope);
    if (!p) {
      p = refresh(scope, copy).finally(() => loading.delete(scope));
      loading.set(scope, p);
    }
    return p;
  }

  return {
    async search(scope, vector, threshold) {
      const q = normalise(vector);
      if (!q) return null;
      const snap = await load(scope);
      return snap ? snap.vectors.nearest(q, threshold, now()) : null;
    },

    async add(scope, vector, entryKey, ttlMs) {
      const unit = normalise(vector);
      if (!unit || !(ttlMs > 0)) return;
      const k = keys(scope);
      const t = now();
      const expiresAt = Math.ceil(t + ttlMs);
      try {
        const [prev, version, ...removed] = await within(() => redis.tollgateSemanticAdd(k.vec, k.exp, k.seq, k.ver, entryKey, encode(unit, expiresAt), expiresAt, t, max, `${Math.floor(t)}000`));
        down = false;
        const copy = copies.get(scope);
        if (!copy) return;
        if (copy.version === prev) {
          // Nobody else wrote since our copy: apply the same change to it.
          for (const r of removed) copy.vectors.remove(r);
          copy.vectors.put(entryKey, unit, expiresAt, t);
          copy.version = String(version);
          copies.set(scope, copy);
        } else copy.checkedAt = -Infinity; // stale: the next lookup asks Redis
      } catch (err) {
        failed(err, 'add');
      }
    },

    async close() {
      copies.clear();
      loading.clear();
    },
  };
}

/** float64 LE expiry, then the vector as float32 LE. */
function encode(unit: Float32Array, expiresAt: number): Buffer {
  const buf = Buffer.allocUnsafe(8 + unit.length * 4);
  buf.writeDoubleLE(expiresAt, 0);
  if (LE) Buffer.from(unit.buffer, unit.byteOffset, unit.byteLength).copy(buf, 8);
  else for (let i = 0; i < unit.length; i++) buf.writeFloatLE(unit[i], 8 + i * 4);
  return buf;
}

function decodeEntry(buf: Buffer): { expiresAt: number; vector: Float32Array } | null {
  if (buf.length < 12 || (buf.length - 8) % 4 !== 0) return null;
  const d = (buf.length - 8) / 4;
  let vector: Float32Array;
  if (LE) vector = new Float32Array(buf.buffer.slice(buf.byteOffset + 8, buf.byteOffset + buf.length));
  else {
    vector = new Float32Array(d);
    for (let i = 0; i < d; i++) vector[i] = buf.readFloatLE(8 + i * 4);
  }
  return { expiresAt: buf.readDoubleLE(0), vector };
}

function decodeScope(hash: Record<string, Buffer>, max: number, now: number): ScopeVectors {
  const out = new ScopeVectors(max);
  for (const entryKey of Object.keys(hash)) {
    const entry = decodeEntry(hash[entryKey]);
    if (entry && entry.expiresAt > now) out.put(entryKey, entry.vector, entry.expiresAt, now);
  }
  return out;
}
