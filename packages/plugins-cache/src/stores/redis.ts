import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { Redis, RedisOptions } from 'ioredis';
import { connectRedis, type RedisConnection } from '@tollgate/state-redis';
import type { Logger } from '@tollgate/core';
import type { CacheStore, StoredEntry } from './types.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export interface RedisStoreOptions extends RedisConnection {
  /** A client you made yourself (Sentinel, cluster, TLS...); not closed by `close()`. */
  client?: Redis;
  /** Before every key. Default `tollgate:cache:`. */
  keyPrefix?: string;
  /** Entries whose JSON is longer than this are stored gzipped. Default 1024. */
  compressAboveBytes?: number;
  /** Longest a read or write waits on Redis; past it the request goes on as a miss. Default 250 ms. */
  commandTimeoutMs?: number;
  logger?: Pick<Logger, 'warn' | 'info'>;
}

/**
 * Entries in Redis (ioredis), one string key per entry with its TTL (`SET key value PX ttl`), so
 * every gateway process pointed at the same Redis shares them. Values are `{"t":createdAt,"r":response}`
 * JSON, gzipped when longer than `compressAboveBytes` (told apart by gzip's magic bytes).
 *
 * Redis never fails a request: when it is unreachable or slow (past `commandTimeoutMs`), a read is a
 * miss and a write is dropped; one warning is logged when it goes away and one line when it is back.
 */
export class RedisStore implements CacheStore {
  readonly kind = 'redis';
  readonly client: Redis;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly compressAbove: number;
  private readonly logger: RedisStoreOptions['logger'];
  private down = false;

  constructor(options: RedisStoreOptions) {
    this.prefix = options.keyPrefix ?? 'tollgate:cache:';
    this.compressAbove = options.compressAboveBytes ?? 1024;
    this.logger = options.logger;
    this.ownsClient = !options.client;
    this.client = options.client ?? createClient(options, options.commandTimeoutMs ?? 250);
    this.client.on('ready', () => this.recovered());
    // ioredis emits an error per failed reconnect: the outage is logged once, by failed().
    this.client.on('error', (err: Error) => this.failed(err));
  }

  /** Resolves true once connected, false after `timeoutMs` without Redis (reads are misses meanwhile). */
  ready(timeoutMs = 2000): Promise<boolean> {
    if (this.client.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (v: boolean) => { clearTimeout(timer); this.client.off('ready', onReady); resolve(v); };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.client.once('ready', onReady);
    });
  }

  async get(key: string): Promise<StoredEntry | undefined> {
    // Not connected (yet, or any more): a miss at once, without queueing behind a reconnect.
    if (this.client.status !== 'ready') return undefined;
    try {
      const buf = await this.client.getBuffer(this.prefix + key);
      if (this.down) this.recovered();
      if (!buf) return undefined;
      const text = buf[0] === 0x1f && buf[1] === 0x8b ? (await gunzipAsync(buf)).toString('utf8') : buf.toString('utf8');
      const v = JSON.parse(text) as { t: number; r: unknown };
      return { createdAt: v.t, response: v.r };
    } catch (err) {
      this.failed(err as Error);
      return undefined;
    }
  }

  async set(key: string, entry: StoredEntry, ttlMs: number): Promise<void> {
    if (this.client.status !== 'ready') return;
    try {
      const json = JSON.stringify({ t: entry.createdAt, r: entry.response });
      const value = json.length > this.compressAbove ? await gzipAsync(json) : json;
      await this.client.set(this.prefix + key, value, 'PX', Math.max(1, Math.round(ttlMs)));
      if (this.down) this.recovered();
    } catch (err) {
      this.failed(err as Error);
    }
  }

  async delete(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return this.client.del(...keys.map((k) => this.prefix + k));
  }

  /** Deletes this cache's keys (SCAN of the prefix, DEL in batches): never FLUSHALL, the Redis may hold other data. */
  async clear(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await this.client.del(...keys);
    } while (cursor !== '0');
  }

  /** Answers when Redis does (for `/health/readiness`). */
  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    if (!this.ownsClient) return;
    this.client.disconnect();
  }

  private recovered(): void {
    if (!this.down) return;
    this.down = false;
    this.logger?.info('cache: Redis answers again');
  }

  private failed(err: Error): void {
    if (this.down) return;
    this.down = true;
    // The message names host:port at most (ioredis never puts the password in it).
    this.logger?.warn({ err: err.message }, 'cache: Redis unreachable or slow; requests go on as cache misses until it answers');
  }
}

function createClient(o: RedisStoreOptions, commandTimeout: number): Redis {
  const options: RedisOptions = {
    commandTimeout,
    // Fail fast while disconnected: a cache read that waits is worse than a miss.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };
  return connectRedis(o, options);
}
