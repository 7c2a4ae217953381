import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Redis } from 'ioredis';
import { createRedisIndex } from '../src/semantic/index.js';
import { at, axis, redisFixture, sleep } from './semantic-helpers.js';

const redis = redisFixture('redis');
afterAll(() => redis.cleanup());

const MINUTE = 60_000;

describe('the Redis index', () => {
  it('keeps a scope in four keys that expire with its longest-lived entry', async () => {
    const c = redis.client();
    const index = createRedisIndex({ redis: c, prefix: redis.prefix });
    await index.add('team-1:gpt', at(0, 16), 'e1', 5_000);
    await index.add('team-1:gpt', at(1, 16), 'e2', 20_000);
    const base = `${redis.prefix}{team-1:gpt}`;
    expect(await redis.keys()).toEqual([`${base}:exp`, `${base}:seq`, `${base}:vec`, `${base}:ver`]);
    for (const k of ['vec', 'exp', 'seq', 'ver']) {
      const ttl = await c.pttl(`${base}:${k}`);
      expect(ttl).toBeGreaterThan(15_000);
      expect(ttl).toBeLessThanOrEqual(20_000);
    }
    const value = await c.hgetBuffer(`${base}:vec`, 'e1');
    expect(value?.length).toBe(8 + 16 * 4); // float64 expiry + 16 float32s
    expect(await c.zcard(`${base}:exp`)).toBe(2);
  });

  it('lets Redis delete a scope whose entries all expired', async () => {
    const c = redis.client();
    const index = createRedisIndex({ redis: c, prefix: redis.prefix });
    await index.add('gone:gpt', at(0), 'e', 100);
    expect(await c.exists(`${redis.prefix}{gone:gpt}:vec`)).toBe(1);
    await sleep(200);
    expect(await redis.keys()).not.toContain(`${redis.prefix}{gone:gpt}:vec`);
    expect(await c.exists(...['vec', 'exp', 'seq', 'ver'].map((k) => `${redis.prefix}{gone:gpt}:${k}`))).toBe(0);
  });

  it('keeps at most maxEntriesPerScope entries in Redis', async () => {
    const c = redis.client();
    const index = createRedisIndex({ redis: c, prefix: redis.prefix, maxEntriesPerScope: 5 });
    for (let i = 0; i < 12; i++) await index.add('bounded:gpt', at(i / 10), `e${i}`, MINUTE + i);
    expect(await c.zcard(`${redis.prefix}{bounded:gpt}:exp`)).toBe(5);
    expect((await c.hkeys(`${redis.prefix}{bounded:gpt}:vec`)).sort()).toEqual(['e10', 'e11', 'e7', 'e8', 'e9']);
  });

  it('empties a scope in Redis when a vector of another dimension is added (the embedding model changed)', async () => {
    const c = redis.client();
    const index = createRedisIndex({ redis: c, prefix: redis.prefix });
    await index.add('dims:gpt', at(0, 8), 'd8-a', MINUTE);
    await index.add('dims:gpt', at(1, 8), 'd8-b', MINUTE);
    await index.add('dims:gpt', at(0, 16), 'd16', MINUTE);
    expect(await c.hkeys(`${redis.prefix}{dims:gpt}:vec`)).toEqual(['d16']);
    const fresh = createRedisIndex({ redis: redis.client(), prefix: redis.prefix });
    expect((await fresh.search('dims:gpt', at(0, 16), 0.9))?.entryKey).toBe('d16');
  });

  it("sees another process's entry once its copy is older than vectorCacheMs", async () => {
    const a = createRedisIndex({ redis: redis.client(), prefix: redis.prefix, vectorCacheMs: 300 });
    const b = createRedisIndex({ redis: redis.client(), prefix: redis.prefix, vectorCacheMs: 300 });
    expect(await b.search('shared:gpt', at(0), 0.9)).toBeNull(); // b now holds a copy of the empty scope
    await a.add('shared:gpt', at(0), 'from-a', MINUTE);
    expect(await b.search('shared:gpt', at(0), 0.9)).toBeNull(); // the documented window
    await sleep(350);
    expect((await b.search('shared:gpt', at(0), 0.9))?.entryKey).toBe('from-a');
  });

  it("sees its own add at once, and refetches at once when its add shows another process wrote", async () => {
    const ca = redis.client();
    const a = createRedisIndex({ redis: ca, prefix: redis.prefix, vectorCacheMs: 60_000 });
    const b = createRedisIndex({ redis: redis.client(), prefix: redis.prefix, vectorCacheMs: 60_000 });
    expect(await a.search('own:gpt', at(0), 0.9)).toBeNull();
    const get = vi.spyOn(ca, 'get');
    const multi = vi.spyOn(ca, 'multi');
    await a.add('own:gpt', at(0), 'a1', MINUTE);
    expect((await a.search('own:gpt', at(0), 0.9))?.entryKey).toBe('a1');
    expect(get).not.toHaveBeenCalled(); // applied to a's copy in place: no read from Redis
    expect(multi).not.toHaveBeenCalled();
    await b.add('own:gpt', axis(5), 'b1', MINUTE);
    expect(await a.search('own:gpt', axis(5), 0.9)).toBeNull(); // a's copy is still within vectorCacheMs
    await a.add('own:gpt', axis(6), 'a2', MINUTE); // the version moved by two: a's copy is stale
    expect((await a.search('own:gpt', axis(5), 0.9))?.entryKey).toBe('b1');
    expect(multi).toHaveBeenCalledTimes(1);
    expect((await a.search('own:gpt', axis(6), 0.9))?.entryKey).toBe('a2');
    expect((await a.search('own:gpt', at(0), 0.9))?.entryKey).toBe('a1');
  });

  it('transfers nothing while the scope is unchanged, and then only the entries written since its copy', async () => {
    const c = redis.client();
    const index = createRedisIndex({ redis: c, prefix: redis.prefix, vectorCacheMs: 0 });
    const other = createRedisIndex({ redis: redis.client(), prefix: redis.prefix });
    await other.add('fetch:gpt', at(0), 'e', MINUTE);
    await other.add('fetch:gpt', at(0.5), 'e2', MINUTE);
    const multi = vi.spyOn(c, 'multi');
    const hmget = vi.spyOn(c, 'hmgetBuffer');
    for (let i = 0; i < 5; i++) expect((await index.search('fetch:gpt', at(0), 0.9))?.entryKey).toBe('e');
    expect(multi).toHaveBeenCalledTimes(1); // the one full fetch
    await other.add('fetch:gpt', at(1), 'f', MINUTE);
    await other.add('fetch:gpt', at(0.5), 'e2', MINUTE); // written again: sent again
    expect((await index.search('fetch:gpt', at(1), 0.9))?.entryKey).toBe('f');
    expect(multi).toHaveBeenCalledTimes(2);
    expect(hmget).toHaveBeenCalledTimes(1);
    expect(hmget.mock.calls[0].slice(1).sort()).toEqual(['e2', 'f']);
    expect((await index.search('fetch:gpt', at(0), 0.9))?.entryKey).toBe('e');
    expect(hmget).toHaveBeenCalledTimes(1);
  });

  it('catches up with a change of dimension by fetching the scope again', async () => {
    const index = createRedisIndex({ redis: redis.client(), prefix: redis.prefix, vectorCacheMs: 0 });
    const other = createRedisIndex({ redis: redis.client(), prefix: redis.prefix });
    await other.add('redim:gpt', at(0, 8), 'd8', MINUTE);
    expect((await index.search('redim:gpt', at(0, 8), 0.9))?.entryKey).toBe('d8');
    await other.add('redim:gpt', at(0, 16), 'd16', MINUTE);
    expect((await index.search('redim:gpt', at(0, 16), 0.9))?.entryKey).toBe('d16');
    expect(await index.search('redim:gpt', at(0, 8), 0.9)).toBeNull();
  });

  it('shares one transfer between concurrent lookups of a scope', async () => {
    const c = redis.client();
    const index = createRedisIndex({ redis: c, prefix: redis.prefix, vectorCacheMs: 1000 });
    await createRedisIndex({ redis: redis.client(), prefix: redis.prefix }).add('herd:gpt', at(0), 'e', MINUTE);
    const get = vi.spyOn(c, 'get');
    const hits = await Promise.all(Array.from({ length: 20 }, () => index.search('herd:gpt', at(0), 0.9)));
    expect(hits.every((h) => h?.entryKey === 'e')).toBe(true);
    expect(get).toHaveBeenCalledTimes(1);
  });
});

describe('the Redis index without Redis', () => {
  it('answers null and logs one warning when Redis is stopped, and an add never throws', async () => {
    const warn = vi.fn();
    const c = new Redis({ host: '127.0.0.1', port: 1, retryStrategy: () => 50 });
    c.on('error', () => undefined);
    try {
      const index = createRedisIndex({ redis: c, prefix: redis.prefix, logger: { warn }, timeoutMs: 200 });
      for (let i = 0; i < 5; i++) {
        const started = Date.now();
        expect(await index.search('t:gpt', at(0), 0.5)).toBeNull();
        expect(Date.now() - started).toBeLessThan(1000);
      }
      await expect(index.add('t:gpt', at(0), 'e', MINUTE)).resolves.toBeUndefined();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][1]).toMatch(/Redis unavailable/);
    } finally {
      c.disconnect();
    }
  });

  it('answers null within timeoutMs when Redis accepts connections but never answers', async () => {
    const sockets: Socket[] = [];
    const server: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const warn = vi.fn();
    const c = new Redis({ host: '127.0.0.1', port });
    c.on('error', () => undefined);
    try {
      const index = createRedisIndex({ redis: c, prefix: redis.prefix, logger: { warn }, timeoutMs: 150 });
      const started = Date.now();
      expect(await index.search('t:gpt', at(0), 0.5)).toBeNull();
      expect(Date.now() - started).toBeLessThan(1000);
      await index.add('t:gpt', at(0), 'e', MINUTE);
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      c.disconnect();
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it('sends nothing while the client reconnects, and works again, without another warning, once Redis answers', async () => {
    const warn = vi.fn();
    const c = redis.client();
    const index = createRedisIndex({ redis: c, prefix: redis.prefix, logger: { warn }, timeoutMs: 2000 });
    await index.add('back:gpt', at(0), 'e', MINUTE);
    const status = vi.spyOn(c, 'status', 'get').mockReturnValue('reconnecting');
    const get = vi.spyOn(c, 'get');
    expect(await index.search('back:gpt', at(0), 0.9)).toBeNull();
    expect(await index.search('back:gpt', at(0), 0.9)).toBeNull();
    expect(get).not.toHaveBeenCalled(); // nothing queued while reconnecting
    status.mockRestore();
    expect((await index.search('back:gpt', at(0), 0.9))?.entryKey).toBe('e');
    expect(warn).toHaveBeenCalledTimes(1);
  });
});
