import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryIndex, createRedisIndex, ScopeVectors, normalise, SIMD_AVAILABLE, type SemanticIndex } from '../src/semantic/index.js';
import { at, axis, redisFixture, sleep } from './semantic-helpers.js';

const redis = redisFixture('index');
afterAll(() => redis.cleanup());

const MINUTE = 60_000;

// The same behaviours hold for both indexes. The Redis one is given a fresh scope name per test
// (all under the file's prefix) and a 0 ms vector cache, so every lookup reads what Redis holds.
const INDEXES: Array<[string, (max?: number) => SemanticIndex]> = [
  ['memory', (max) => createMemoryIndex({ maxEntriesPerScope: max })],
  ['redis', (max) => createRedisIndex({ redis: redis.client(), prefix: redis.prefix, maxEntriesPerScope: max, vectorCacheMs: 0, timeoutMs: 2000 })],
];

let n = 0;
const scope = (name: string) => `${name}-${++n}`;

describe.each(INDEXES)('the %s index', (_name, make) => {
  it('finds a stored prompt whose similarity is above the threshold, with its score', async () => {
    const index = make();
    const s = scope('t1:gpt');
    await index.add(s, at(0), 'entry-france', MINUTE);
    const hit = await index.search(s, at(0.3), 0.9);
    expect(hit?.entryKey).toBe('entry-france');
    expect(hit?.score).toBeCloseTo(Math.cos(0.3), 5);
    await index.close();
  });

  it('misses when the nearest prompt is below the threshold', async () => {
    const index = make();
    const s = scope('t1:gpt');
    await index.add(s, at(0), 'entry-france', MINUTE);
    expect(await index.search(s, at(0.6), 0.9)).toBeNull(); // cos 0.6 = 0.825
    await index.close();
  });

  it('compares directions only: vectors are normalised, so their length does not matter', async () => {
    const index = make();
    const s = scope('t1:gpt');
    await index.add(s, at(0.1, 8, 37), 'long', MINUTE);
    const hit = await index.search(s, at(0.1, 8, 0.01), 0.999);
    expect(hit?.entryKey).toBe('long');
    expect(hit?.score).toBeCloseTo(1, 5);
    await index.close();
  });

  it('returns the nearest of several entries', async () => {
    const index = make();
    const s = scope('t1:gpt');
    await index.add(s, at(0), 'a', MINUTE);
    await index.add(s, at(0.5), 'b', MINUTE);
    await index.add(s, at(1), 'c', MINUTE);
    expect((await index.search(s, at(0.45), 0.5))?.entryKey).toBe('b');
    expect((await index.search(s, at(0.9), 0.5))?.entryKey).toBe('c');
    await index.close();
  });

  it('keeps scopes apart: an entry of one tenant is a miss for another', async () => {
    const index = make();
    const a = scope('key-a:gpt');
    const b = scope('key-b:gpt');
    await index.add(a, at(0), 'a-entry', MINUTE);
    expect(await index.search(b, at(0), 0.5)).toBeNull();
    expect((await index.search(a, at(0), 0.5))?.entryKey).toBe('a-entry');
    await index.close();
  });

  it('never matches an entry past its TTL', async () => {
    const index = make();
    const s = scope('t1:gpt');
    await index.add(s, at(0), 'short', 150);
    await index.add(s, at(1), 'long', MINUTE);
    expect((await index.search(s, at(0), 0.99))?.entryKey).toBe('short');
    await sleep(250);
    expect(await index.search(s, at(0), 0.99)).toBeNull();
    expect((await index.search(s, at(1), 0.99))?.entryKey).toBe('long');
    await index.close();
  });

  it('holds at most maxEntriesPerScope entries, evicting the oldest', async () => {
    const index = make(3);
    const s = scope('t1:gpt');
    for (let i = 0; i < 4; i++) {
      await index.add(s, axis(i), `e${i}`, MINUTE);
      await sleep(5); // distinct expiry times: the first added expires first
    }
    expect(await index.search(s, axis(0), 0.99)).toBeNull();
    for (let i = 1; i < 4; i++) expect((await index.search(s, axis(i), 0.99))?.entryKey).toBe(`e${i}`);
    await index.close();
  });

  it('replaces an entry added again under the same key, without taking a second place', async () => {
    const index = make(2);
    const s = scope('t1:gpt');
    await index.add(s, axis(0), 'same', MINUTE);
    await index.add(s, axis(1), 'other', MINUTE);
    await index.add(s, axis(2), 'same', MINUTE);
    expect(await index.search(s, axis(0), 0.99)).toBeNull();
    expect((await index.search(s, axis(2), 0.99))?.entryKey).toBe('same');
    expect((await index.search(s, axis(1), 0.99))?.entryKey).toBe('other');
    await index.close();
  });

  it('misses for a query of another dimension, and a new dimension replaces the old vectors', async () => {
    const index = make();
    const s = scope('t1:gpt');
    await index.add(s, at(0, 8), 'd8', MINUTE);
    expect(await index.search(s, at(0, 16), 0.5)).toBeNull();
    await index.add(s, at(0, 16), 'd16', MINUTE);
    expect((await index.search(s, at(0, 16), 0.5))?.entryKey).toBe('d16');
    expect(await index.search(s, at(0, 8), 0.5)).toBeNull();
    await index.close();
  });

  it('ignores zero vectors and non-positive TTLs', async () => {
    const index = make();
    const s = scope('t1:gpt');
    await index.add(s, new Float32Array(8), 'zero', MINUTE);
    await index.add(s, at(0), 'no-ttl', 0);
    expect(await index.search(s, at(0), 0)).toBeNull();
    expect(await index.search(s, new Float32Array(8), 0)).toBeNull();
    await index.close();
  });
});

describe('the memory index', () => {
  it('drops the least recently used scopes whole past maxBytes', async () => {
    const d = 256;
    const index = createMemoryIndex({ maxBytes: 3 * (8 * d * 4 + 1000) });
    for (let i = 0; i < 5; i++) await index.add(`scope-${i}`, at(0, d), `e${i}`, MINUTE);
    expect(await index.search('scope-0', at(0, d), 0.9)).toBeNull();
    expect((await index.search('scope-4', at(0, d), 0.9))?.entryKey).toBe('e4');
  });

  it('uses the clock it is given for expiry', async () => {
    let t = 1_000;
    const index = createMemoryIndex({ now: () => t });
    await index.add('s', at(0), 'e', 500);
    t += 499;
    expect((await index.search('s', at(0), 0.9))?.entryKey).toBe('e');
    t += 1;
    expect(await index.search('s', at(0), 0.9)).toBeNull();
  });
});

describe('ScopeVectors', () => {
  it('evicts the entry that expires soonest when full, after dropping expired ones', () => {
    const s = new ScopeVectors(3);
    s.put('a', normalise(axis(0))!, 300, 0);
    s.put('b', normalise(axis(1))!, 100, 0);
    s.put('c', normalise(axis(2))!, 200, 0);
    expect(s.put('d', normalise(axis(3))!, 400, 0)).toEqual(['b']);
    expect(s.put('e', normalise(axis(4))!, 500, 250)).toEqual(['c']); // c expired at 200
    expect(s.size).toBe(3);
    expect(s.nearest(normalise(axis(0))!, 0.99, 250)?.entryKey).toBe('a');
  });

  it('finds the same nearest entries and scores with the SIMD scan as with the plain loop', () => {
    expect(SIMD_AVAILABLE).toBe(true); // Node >= 20 has WebAssembly SIMD
    const rand = (d: number) => normalise(Float32Array.from({ length: d }, (_, i) => Math.sin(i * 12.9898 + d * 78.233 + Math.random())))!;
    for (const d of [8, 100, 256, 1536]) {
      const simd = new ScopeVectors(300, true);
      const plain = new ScopeVectors(300, false);
      const vectors = Array.from({ length: 300 }, () => rand(d));
      vectors.forEach((v, i) => {
        simd.put(`k${i}`, v, 1e12, 0);
        plain.put(`k${i}`, v, 1e12, 0);
      });
      for (let i = 0; i < 5; i++) simd.remove(`k${i * 7}`), plain.remove(`k${i * 7}`);
      expect(simd.usesSimd).toBe(d >= 100); // from 64 KiB of rows on
      expect(plain.usesSimd).toBe(false);
      for (let t = 0; t < 20; t++) {
        const q = t < 10 ? vectors[t * 13 + 1] : rand(d);
        const a = simd.nearest(q, -1, 0)!;
        const b = plain.nearest(q, -1, 0)!;
        expect(a.entryKey).toBe(b.entryKey);
        expect(a.score).toBeCloseTo(b.score, 5);
      }
    }
  });

  it('keeps its entries when its rows move into WebAssembly memory and the memory grows', () => {
    const s = new ScopeVectors(1000, true);
    for (let i = 0; i < 600; i++) s.put(`k${i}`, normalise(at(i / 100, 256))!, 1e12, 0);
    expect(s.usesSimd).toBe(true);
    for (let i = 0; i < 600; i += 37) expect(s.nearest(normalise(at(i / 100, 256))!, 0.99999, 0)?.entryKey).toBe(`k${i}`);
    expect(s.nearest(normalise(at(0, 256))!, 0.9, 1e12)).toBeNull(); // all expired at 1e12
  });

  it('holds at least one entry whatever bound it is given', () => {
    const s = new ScopeVectors(0);
    s.put('a', normalise(axis(0))!, 100, 0);
    expect(s.put('b', normalise(axis(1))!, 100, 0)).toEqual(['a']);
    expect(s.size).toBe(1);
    expect(s.nearest(normalise(axis(1))!, 0.9, 0)?.entryKey).toBe('b');
  });

  it('grows its matrix by doubling up to the bound', () => {
    const s = new ScopeVectors(1000);
    for (let i = 0; i < 20; i++) s.put(`k${i}`, normalise(at(i / 10, 4))!, 1e12, 0);
    expect(s.size).toBe(20);
    expect(s.bytes).toBeLessThan(1000 * 4 * 4);
    for (let i = 0; i < 20; i++) expect(s.nearest(normalise(at(i / 10, 4))!, 0.9999, 0)?.entryKey).toBe(`k${i}`);
  });
});
