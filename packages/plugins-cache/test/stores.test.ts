import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MemoryStore, RedisStore } from '../src/index.js';
import { gatewayWith, sleep, user, type TestGateway } from './helpers.js';

const entry = (text: string) => ({ createdAt: Date.now(), response: { text } });

describe('memory store', () => {
  it('evicts the least recently used entries when the byte bound would be passed', () => {
    const s = new MemoryStore({ maxBytes: 1000 });
    const big = 'x'.repeat(200);
    for (const k of ['a', 'b', 'c']) s.set(k, entry(big), 60_000);
    s.get('a'); // a is now the most recently used
    s.set('d', entry(big), 60_000);
    s.set('e', entry(big), 60_000);
    expect(s.bytes).toBeLessThanOrEqual(1000);
    expect(['a', 'b', 'c', 'd', 'e'].filter((k) => s.has(k))).toEqual(['a', 'd', 'e']);
  });

  it('expires an entry after its own TTL', async () => {
    const s = new MemoryStore({ maxBytes: 10_000 });
    s.set('short', entry('1'), 30);
    s.set('long', entry('2'), 60_000);
    await sleep(50);
    expect(s.get('short')).toBeUndefined();
    expect(s.get('long')?.response).toEqual({ text: '2' });
  });

  it('hands every hit its own copy', () => {
    const s = new MemoryStore({ maxBytes: 10_000 });
    s.set('k', entry('a'), 60_000);
    (s.get('k')!.response as { text: string }).text = 'changed';
    expect(s.get('k')!.response).toEqual({ text: 'a' });
  });

  it('keeps a gateway within max_size_mb', async () => {
    const t = await gatewayWith({ max_size_mb: 0.002 }); // about 2 KB: room for a few answers
    try {
      for (let i = 0; i < 10; i++) await t.gateway.chat({ model: 'm', messages: [user(`question ${i}`)] });
      await t.gateway.chat({ model: 'm', messages: [user('question 0')] }); // long evicted
      await t.gateway.chat({ model: 'm', messages: [user('question 9')] }); // most recent: still there
      for (let i = 0; i < 100 && t.seen.length < 12; i++) await sleep(5);
      expect(t.seen.slice(10).map((s) => s.cache)).toEqual(['store', 'hit']);
    } finally {
      await t.close();
    }
  });
});

describe('Redis store (127.0.0.1:6379)', () => {
  const prefix = `tg-cache-test:${randomBytes(4).toString('hex')}:`;
  const admin = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  const stores: RedisStore[] = [];
  const make = async (o: Partial<ConstructorParameters<typeof RedisStore>[0]> = {}) => {
    const s = new RedisStore({ host: '127.0.0.1', port: 6379, keyPrefix: prefix, ...o });
    stores.push(s);
    await s.ready(1000);
    return s;
  };
  afterEach(async () => { for (const s of stores.splice(0)) await s.close(); });
  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
  });

  it('stores and reads entries with their TTL', async () => {
    const s = await make();
    await s.set('k1', entry('hello'), 60_000);
    expect((await s.get('k1'))?.response).toEqual({ text: 'hello' });
    const ttl = await admin.pttl(`${prefix}k1`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await s.get('absent')).toBeUndefined();
  });

  it('gzips entries above the threshold and keeps small ones as JSON', async () => {
    const s = await make({ compressAboveBytes: 100 });
    const long = 'lorem ipsum '.repeat(200);
    await s.set('big', entry(long), 60_000);
    await s.set('small', entry('hi'), 60_000);
    const raw = await admin.getBuffer(`${prefix}big`);
    expect([raw![0], raw![1]]).toEqual([0x1f, 0x8b]);
    expect(raw!.length).toBeLessThan(long.length / 4);
    expect((await admin.get(`${prefix}small`))!.startsWith('{')).toBe(true);
    expect((await s.get('big'))?.response).toEqual({ text: long });
  });

  it('deletes entries by key, and clears only its own prefix', async () => {
    const s = await make();
    await s.set('d1', entry('a'), 60_000);
    await s.set('d2', entry('b'), 60_000);
    await admin.set(`${prefix}other-app`, 'x');
    await admin.set('tg-cache-test-unrelated', 'keep');
    expect(await s.delete(['d1', 'absent'])).toBe(1);
    expect(await s.get('d1')).toBeUndefined();
    const scoped = await make({ keyPrefix: `${prefix}scoped:` });
    await scoped.set('x', entry('x'), 60_000);
    await scoped.clear();
    expect(await scoped.get('x')).toBeUndefined();
    expect((await s.get('d2'))?.response).toEqual({ text: 'b' });
    expect(await admin.get('tg-cache-test-unrelated')).toBe('keep');
    await admin.del('tg-cache-test-unrelated');
  });

  it('another process (another client) sees the same entries', async () => {
    await (await make()).set('shared', entry('one'), 60_000);
    expect((await (await make()).get('shared'))?.response).toEqual({ text: 'one' });
  });

  it('a Redis that does not answer is a miss and one warning, never an error', async () => {
    const warnings: unknown[] = [];
    const s = await make({ host: '127.0.0.1', port: 1, logger: { warn: (...a: unknown[]) => { warnings.push(a); }, info: () => undefined } as never });
    for (let i = 0; i < 3; i++) {
      await expect(s.get('k')).resolves.toBeUndefined();
      await expect(s.set('k', entry('x'), 1000)).resolves.toBeUndefined();
    }
    expect(warnings).toHaveLength(1);
  });
});

describe('the Redis cache through a gateway', () => {
  let t: TestGateway;
  afterEach(async () => t?.close());

  it('hits across two gateways sharing one Redis', async () => {
    const namespace = `tg-test-${randomBytes(4).toString('hex')}`;
    t = await gatewayWith({ type: 'redis', host: '127.0.0.1', port: 6379, namespace });
    const other = await gatewayWith({ type: 'redis', host: '127.0.0.1', port: 6379, namespace });
    try {
      const a = await t.gateway.chat({ model: 'm', messages: [user('across processes')] });
      await sleep(20); // the write is not awaited by the first answer
      const b = await other.gateway.chat({ model: 'm', messages: [user('across processes')] });
      for (let i = 0; i < 100 && other.seen.length < 1; i++) await sleep(5);
      expect(other.last()).toMatchObject({ outcome: 'cache_hit', cache: 'hit' });
      expect(b).toEqual(a);
    } finally {
      await other.close();
      const admin = new Redis({ host: '127.0.0.1', port: 6379 });
      const keys = await admin.keys(`tollgate:cache:${namespace}:*`);
      if (keys.length) await admin.del(...keys);
      admin.disconnect();
    }
  });

  it('Redis stopped: requests are answered (misses) and one warning is logged', async () => {
    t = await gatewayWith({ type: 'redis', host: '127.0.0.1', port: 1 });
    for (let i = 0; i < 3; i++) {
      const r = await t.gateway.chat({ model: 'm', messages: [user('still answered')] });
      expect(r.choices[0].message.content).toBe('still answered');
    }
    for (let i = 0; i < 100 && t.seen.length < 3; i++) await sleep(5);
    expect(t.seen.map((s) => [s.outcome, s.attempts])).toEqual([['ok', 1], ['ok', 1], ['ok', 1]]);
    expect(t.logs.filter((l) => /Redis unreachable/.test(l.msg))).toHaveLength(1);
  });
});
