import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisSharedState } from '@tollgate/state-redis';

// The machine's shared Redis: never flushed, only keys under this file's random prefixes are touched.
const SHARED_URL = 'redis://127.0.0.1:6379';
const admin = new Redis(SHARED_URL);
const stores: RedisSharedState[] = [];
const prefixes: string[] = [];

async function store(prefix = `tg-test:${randomUUID()}:`): Promise<RedisSharedState> {
  prefixes.push(prefix);
  const s = new RedisSharedState({ url: SHARED_URL, keyPrefix: prefix });
  stores.push(s);
  expect(await s.ready()).toBe(true);
  return s;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const p of prefixes.splice(0)) {
    const keys = await admin.keys(`${p}*`);
    if (keys.length) await admin.del(...keys);
  }
});
afterAll(() => admin.quit());

describe('RedisSharedState', () => {
  it('opens a window at the first hit and counts in it', async () => {
    const s = await store();
    const first = await s.hit('w', 60_000);
    const second = await s.hit('w', 60_000, 2);
    expect(first).toMatchObject({ count: 1, allowed: true });
    expect(second).toMatchObject({ count: 3, allowed: true });
    expect(second.resetMs).toBeGreaterThan(0);
    expect(second.resetMs).toBeLessThanOrEqual(60_000);
    expect(await s.counts(['w', 'absent'])).toEqual([
      { count: 3, allowed: true, resetMs: expect.any(Number) },
      { count: 0, allowed: true, resetMs: 0 },
    ]);
  });

  it('refuses a hit that would pass the limit and adds nothing', async () => {
    const s = await store();
    await s.hit('w', 60_000, 8, 10);
    expect(await s.hit('w', 60_000, 3, 10)).toMatchObject({ count: 8, allowed: false });
    expect(await s.hit('w', 60_000, 2, 10)).toMatchObject({ count: 10, allowed: true });
    expect(await s.hit('w', 60_000, 1, 10)).toMatchObject({ count: 10, allowed: false });
  });

  it('keeps the window anchored at the first hit, then starts again from zero', async () => {
    const s = await store();
    await s.hit('w', 150);
    await sleep(60);
    const later = await s.hit('w', 150);
    expect(later.count).toBe(2);
    expect(later.resetMs).toBeLessThan(150);
    await sleep(200);
    expect((await s.hit('w', 150)).count).toBe(1);
  });

  it('admits exactly the limit when 20 hits race from two connections', async () => {
    const prefix = `tg-test:${randomUUID()}:`;
    const [a, b] = [await store(prefix), await store(prefix)];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).hit('burst', 60_000, 1, 10)));
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    expect((await a.counts(['burst']))[0].count).toBe(10);
  });

  it('takes fractional durations and an infinite limit', async () => {
    const s = await store();
    expect(await s.hit('w', 1500.5, 1, Infinity)).toMatchObject({ count: 1, allowed: true });
    expect(await s.acquire('slot', 1, 999.9)).not.toBeNull();
    await s.set('v', 'x', 10.2);
    expect(await s.incr('n', 1, 0.5)).toBe(1);
  });

  it('counts float amounts', async () => {
    const s = await store();
    await s.hit('tokens', 60_000, 1.5);
    expect((await s.hit('tokens', 60_000, 0.25)).count).toBe(1.75);
    expect(await s.incr('spend', 0.1)).toBeCloseTo(0.1);
    expect(await s.incr('spend', 0.2)).toBeCloseTo(0.3);
  });

  it('gives an incr with ttlMs an expiry, and keeps it when none is given', async () => {
    const s = await store();
    await s.incr('spend', 1, 100);
    expect(await s.incr('spend', 1)).toBe(2);
    await sleep(200);
    expect(await s.incr('spend', 1)).toBe(1);
  });

  it('hands out at most `limit` slots and frees one on release', async () => {
    const s = await store();
    const r1 = await s.acquire('slots', 2, 60_000);
    const r2 = await s.acquire('slots', 2, 60_000);
    expect(r1).toBeTypeOf('function');
    expect(r2).toBeTypeOf('function');
    expect(await s.acquire('slots', 2, 60_000)).toBeNull();
    expect(await s.inUse(['slots', 'none'])).toEqual([2, 0]);
    await r1!();
    expect(await s.inUse(['slots'])).toEqual([1]);
    expect(await s.acquire('slots', 2, 60_000)).toBeTypeOf('function');
  });

  it('frees the slot of a holder that never releases after leaseMs', async () => {
    const s = await store();
    expect(await s.acquire('slot', 1, 100)).not.toBeNull();
    expect(await s.acquire('slot', 1, 100)).toBeNull();
    await sleep(200);
    expect(await s.inUse(['slot'])).toEqual([0]);
    expect(await s.acquire('slot', 1, 100)).not.toBeNull();
  });

  it('counts unlimited slots (limit Infinity) as in-flight requests', async () => {
    const s = await store();
    const releases = await Promise.all([1, 2, 3].map(() => s.acquire('inflight', Infinity, 60_000)));
    expect(await s.inUse(['inflight'])).toEqual([3]);
    await releases[0]!();
    expect(await s.inUse(['inflight'])).toEqual([2]);
  });

  it('stores values that expire, and deletes them', async () => {
    const s = await store();
    await s.set('a', 'one', 60_000);
    await s.set('b', 'two', 100);
    expect(await s.get(['a', 'b', 'c'])).toEqual(['one', 'two', null]);
    await sleep(200);
    expect(await s.get(['b'])).toEqual([null]);
    await s.delete('a');
    expect(await s.get(['a'])).toEqual([null]);
  });

  it('keeps stores with different prefixes apart', async () => {
    const [a, b] = [await store(), await store()];
    await a.hit('k', 60_000);
    await a.set('v', 'x', 60_000);
    expect((await b.counts(['k']))[0].count).toBe(0);
    expect(await b.get(['v'])).toEqual([null]);
  });

  it('puts every key under the prefix and gives each one a TTL', async () => {
    const prefix = `tg-test:${randomUUID()}:`;
    const s = await store(prefix);
    await s.hit('w', 60_000);
    await s.acquire('slot', 1, 60_000);
    await s.set('v', 'x', 60_000);
    await s.incr('n', 1, 60_000);
    const keys = (await admin.keys(`${prefix}*`)).sort();
    expect(keys).toEqual([`${prefix}n`, `${prefix}slot`, `${prefix}v`, `${prefix}w`]);
    for (const k of keys) expect(await admin.pttl(k)).toBeGreaterThan(0);
  });

  it('reports a wrong command as an error instead of falling back', async () => {
    const s = await store();
    await s.set('v', 'text', 60_000);
    await expect(s.hit('v', 60_000)).rejects.toThrow();
    expect(s.shared).toBe(true);
  });
});
