import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Redis, RedisOptions } from 'ioredis';
import { connectRedis, type RedisConnection } from './connect.js';
import { MemorySharedState, type Logger, type SharedState, type WindowCount } from '@tollgate/core';
import { ACQUIRE, COUNTS, HIT, INCR, IN_USE } from './scripts.js';

export interface RedisSharedStateOptions extends RedisConnection {
  /** A client you made yourself (Sentinel, TLS options...). It is not closed by `close()`. */
  client?: Redis;
  /** Prepended to every key, so several gateways (or tests) can share one Redis. Default "tollgate:". */
  keyPrefix?: string;
  /** Longest a call waits on Redis before it is answered from process memory. Default 100 ms. */
  commandTimeoutMs?: number;
  /** How often a store that lost Redis to timeouts (a hung server) checks whether it answers again. Default 1000 ms. */
  probeIntervalMs?: number;
  /** Where the outage and recovery lines go (one each per transition). */
  logger?: Pick<Logger, 'error' | 'warn'>;
}

type State = 'starting' | 'up' | 'down';

/** The scripts of scripts.ts as ioredis commands (defineCommand: EVAL once per connection, then EVALSHA). */
interface ScriptCommands {
  tgHit(key: string, windowMs: number, amount: number, limit: string): Promise<[string, number, number]>;
  tgCounts(numKeys: number, ...keys: string[]): Promise<Array<string | number>>;
  tgAcquire(key: string, limit: string, leaseMs: number, id: string): Promise<number>;
  tgInUse(numKeys: number, ...keys: string[]): Promise<number[]>;
  tgIncr(key: string, amount: number, ttlMs: string): Promise<string>;
}

/** Reply errors that mean "Redis is not serving right now" rather than "this command is wrong". */
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|CLUSTERDOWN|TRYAGAIN)/;

/**
 * SharedState in Redis: every process that points at the same Redis and key prefix sees the same
 * windows, slots, values and counters. Each operation is one atomic Lua script or command.
 *
 * When Redis is unreachable, slow (no answer within `commandTimeoutMs`) or still connecting, calls
 * are answered by an in-process MemorySharedState and `shared` is false; one error line is logged
 * when Redis is lost and one line when it is back, and the shared path resumes by itself.
 * See the README for what that means for limits (the consistency model).
 */
export class RedisSharedState implements SharedState {
  readonly kind = 'redis';
  private readonly client: Redis & ScriptCommands;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly memory = new MemorySharedState();
  private readonly logger: Pick<Logger, 'error' | 'warn'> | undefined;
  private readonly probeIntervalMs: number;
  private state: State = 'starting';
  private probeTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly readyWaiters: Array<() => void> = [];

  constructor(options: RedisSharedStateOptions = {}) {
    this.prefix = options.keyPrefix ?? 'tollgate:';
    this.logger = options.logger;
    this.probeIntervalMs = options.probeIntervalMs ?? 1000;
    this.ownsClient = !options.client;
    this.client = (options.client ?? createClient(options, options.commandTimeoutMs ?? 100)) as Redis & ScriptCommands;
    this.client.defineCommand('tgHit', { numberOfKeys: 1, lua: HIT });
    this.client.defineCommand('tgCounts', { lua: COUNTS });
    this.client.defineCommand('tgAcquire', { numberOfKeys: 1, lua: ACQUIRE });
    this.client.defineCommand('tgInUse', { lua: IN_USE });
    this.client.defineCommand('tgIncr', { numberOfKeys: 1, lua: INCR });
    this.client.on('ready', () => this.markUp());
    this.client.on('close', () => this.markDown('connection closed'));
    // ioredis emits an error per failed reconnect; the transition is logged once by markDown.
    this.client.on('error', (err: Error) => this.markDown(err.message));
    if (this.client.status === 'ready') this.state = 'up';
  }

  /** True while answers come from Redis (every process sees them). */
  get shared(): boolean {
    return this.state === 'up';
  }

  /** Resolves when Redis answered, or after `timeoutMs` (then calls are served from memory until it does). */
  ready(timeoutMs = 2000): Promise<boolean> {
    if (this.state === 'up') return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.state === 'starting') this.markDown(`no answer within ${timeoutMs} ms`);
        resolve(this.shared);
      }, timeoutMs);
      this.readyWaiters.push(() => { clearTimeout(timer); resolve(true); });
    });
  }

  async hit(key: string, windowMs: number, amount = 1, limit?: number): Promise<WindowCount> {
    return this.call(
      async () => {
        const [count, allowed, resetMs] = await this.client.tgHit(this.prefix + key, ms(windowMs), amount, limit !== undefined && Number.isFinite(limit) ? String(limit) : '');
        return { count: Number(count), allowed: allowed === 1, resetMs: Number(resetMs) };
      },
      () => this.memory.hit(key, windowMs, amount, limit),
    );
  }

  async counts(keys: readonly string[]): Promise<WindowCount[]> {
    if (keys.length === 0) return [];
    return this.call(
      async () => {
        const flat = await this.client.tgCounts(keys.length, ...keys.map((k) => this.prefix + k));
        return keys.map((_, i) => {
          const resetMs = Number(flat[2 * i + 1]);
          return { count: Number(flat[2 * i]), allowed: true, resetMs };
        });
      },
      () => this.memory.counts(keys),
    );
  }

  async acquire(key: string, limit: number, leaseMs: number): Promise<(() => Promise<void>) | null> {
    return this.call(
      async () => {
        const id = randomUUID();
        const full = this.prefix + key;
        const taken = await this.client.tgAcquire(full, Number.isFinite(limit) ? String(limit) : '', ms(leaseMs), id);
        if (taken !== 1) return null;
        // A release that cannot reach Redis is harmless: the lease expires after leaseMs.
        return async () => { await this.client.zrem(full, id).catch(() => undefined); };
      },
      () => this.memory.acquire(key, limit, leaseMs),
    );
  }

  async inUse(keys: readonly string[]): Promise<number[]> {
    if (keys.length === 0) return [];
    return this.call(
      async () => (await this.client.tgInUse(keys.length, ...keys.map((k) => this.prefix + k))).map(Number),
      () => this.memory.inUse(keys),
    );
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    return this.call(
      async () => { await this.client.set(this.prefix + key, value, 'PX', ms(ttlMs)); },
      () => this.memory.set(key, value, ttlMs),
    );
  }

  async get(keys: readonly string[]): Promise<Array<string | null>> {
    if (keys.length === 0) return [];
    return this.call(
      () => this.client.mget(keys.map((k) => this.prefix + k)),
      () => this.memory.get(keys),
    );
  }

  async delete(key: string): Promise<void> {
    return this.call(
      async () => { await this.client.del(this.prefix + key); },
      () => this.memory.delete(key),
    );
  }

  async incr(key: string, amount: number, ttlMs?: number): Promise<number> {
    return this.call(
      async () => Number(await this.client.tgIncr(this.prefix + key, amount, ttlMs === undefined ? '' : String(ms(ttlMs)))),
      () => this.memory.incr(key, amount, ttlMs),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopProbe();
    await this.memory.close();
    if (!this.ownsClient) return;
    if (this.client.status !== 'ready') {
      // Not connected (between reconnects): nothing to say goodbye to, and no 'end' would come.
      this.client.disconnect();
      return;
    }
    const ended = once(this.client, 'end');
    await this.client.quit().catch(() => this.client.disconnect());
    await ended;
  }

  /** Run on Redis while it is up; on an outage (not a wrong command) answer this call from memory. */
  private async call<T>(viaRedis: () => Promise<T>, viaMemory: () => Promise<T>): Promise<T> {
    if (this.state !== 'up') return viaMemory();
    try {
      return await viaRedis();
    } catch (err) {
      const e = err as Error;
      if (e.name === 'ReplyError' && !TRANSIENT_REPLY.test(e.message)) throw err;
      this.markDown(e.message);
      return viaMemory();
    }
  }

  private markUp(): void {
    if (this.closed) return;
    const was = this.state;
    this.state = 'up';
    this.stopProbe();
    for (const w of this.readyWaiters.splice(0)) w();
    if (was === 'down') this.logger?.warn('state-redis: Redis is reachable again; shared state (limits, cooldowns, counters) is shared across processes again');
  }

  private markDown(cause: string): void {
    if (this.closed || this.state === 'down') return;
    this.state = 'down';
    this.logger?.error(
      { cause },
      'state-redis: Redis is unreachable; shared state falls back to this process\'s memory (limits and cooldowns are per process) until it is back',
    );
    // A closed connection comes back through ioredis's reconnect ('ready'); a hung one needs asking.
    if (this.client.status === 'ready') this.startProbe();
  }

  private startProbe(): void {
    if (this.probeTimer) return;
    this.probeTimer = setInterval(() => {
      this.client.ping().then(() => this.markUp(), () => undefined);
    }, this.probeIntervalMs);
    this.probeTimer.unref();
  }

  private stopProbe(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = null;
  }
}

/** Redis takes whole milliseconds, at least 1. */
const ms = (v: number): number => Math.max(1, Math.ceil(v));

function createClient(o: RedisSharedStateOptions, commandTimeout: number): Redis {
  const options: RedisOptions = {
    commandTimeout,
    // Fail fast while disconnected (the call is answered from memory) and never replay a command
    // that already fell back: either would double-count.
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  };
  return connectRedis(o, options);
}
