#!/usr/bin/env node
// The semantic cache's lookup cost (tinybench), on the built package. Run after `pnpm build`, with
// Redis on 127.0.0.1:6379 (REDIS_URL to change it; the Redis rows are skipped without it):
//
//   node bench/cache-semantic.bench.mjs            # ~1 s per task
//   node bench/cache-semantic.bench.mjs --quick    # ~0.25 s per task (smoke test)
//
// One scope (a tenant and model group) filled to the default bound, n = 1,000 entries, at
// d = 256 and d = 1536 (text-embedding-3-small's full size). A lookup scans every live entry: the
// cost is O(n·d) whatever the threshold, so random vectors (all misses) measure the worst case.
// - memory: createMemoryIndex().search — the dot products alone (WebAssembly SIMD), and the same
//   with the plain JavaScript loop (simd: false) for comparison;
// - redis, copy warm: within vectorCacheMs, answered from the process's copy (no Redis call);
// - redis, copy checked: vectorCacheMs elapsed, version unchanged: one GET, then the scan;
// - redis, copy caught up: another process added one entry since the copy (its add untimed): GET,
//   MULTI GET + ZRANGEBYSCORE (what changed), HMGET of that one entry, then the scan;
// - redis, copy cold: a process without a copy (start-up, or its copy dropped from its byte
//   bound): GET, then MULTI GET + HGETALL of n·(8 + 4d) bytes, decoding, then the scan;
// - add: one entry into the full scope (sweep, evict the soonest-expiring, write).
// Embedding the prompt (an upstream call) is not included: it dominates any of these.
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { Bench } from 'tinybench';

const quick = process.argv.includes('--quick');
const TIME_MS = quick ? 250 : 1000;
const WARMUP_MS = quick ? 100 : 300;
const N = 1000;
const DIMS = [256, 1536];
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const { createMemoryIndex, createRedisIndex } = await import('../packages/plugins-cache/dist/semantic/index.js');
const { Redis } = createRequire(new URL('../packages/plugins-cache/package.json', import.meta.url))('ioredis');

function randomVector(d) {
  const v = new Float32Array(d);
  for (let i = 0; i < d; i++) v[i] = Math.random() * 2 - 1;
  return v;
}

const HOUR = 3_600_000;
let redis;
try {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: true });
  redis.on('error', () => undefined);
  await redis.connect();
} catch {
  console.log(`No Redis at ${REDIS_URL}: the Redis rows are skipped.`);
  redis = undefined;
}
const prefix = `tg-bench:cache-sem:${randomUUID()}:`;

const bench = new Bench({ time: TIME_MS, warmupTime: WARMUP_MS });
let sink = 0;
let seq = 0;
const note = (hit) => { sink += hit ? 2 : 1; };

for (const d of DIMS) {
  const vectors = Array.from({ length: N }, () => randomVector(d));
  const queries = Array.from({ length: 64 }, () => randomVector(d));
  let q = 0;
  const query = () => queries[q++ & 63];

  const memory = createMemoryIndex({});
  for (let i = 0; i < N; i++) await memory.add('tenant:group', vectors[i], `e${i}`, HOUR);
  const plain = createMemoryIndex({ simd: false });
  for (let i = 0; i < N; i++) await plain.add('tenant:group', vectors[i], `e${i}`, HOUR);
  bench.add(`memory, n=${N}, d=${d}: search`, async () => note(await memory.search('tenant:group', query(), 0.95)));
  bench.add(`memory, n=${N}, d=${d}: search, plain JS loop`, async () => note(await plain.search('tenant:group', query(), 0.95)));
  bench.add(`memory, n=${N}, d=${d}: add to the full scope`, async () => memory.add('tenant:group', query(), `new${++seq}`, HOUR));

  if (redis) {
    const scope = `tenant:group:${d}`;
    const writer = createRedisIndex({ redis, prefix });
    for (let i = 0; i < N; i++) await writer.add(scope, vectors[i], `e${i}`, HOUR);
    const warm = createRedisIndex({ redis, prefix, vectorCacheMs: HOUR });
    const checked = createRedisIndex({ redis, prefix, vectorCacheMs: 0 });
    const cold = createRedisIndex({ redis, prefix, vectorCacheMs: 0 });
    const catching = createRedisIndex({ redis, prefix, vectorCacheMs: 0 });
    const other = createRedisIndex({ redis, prefix });
    await warm.search(scope, query(), 0.95);
    await checked.search(scope, query(), 0.95);
    await catching.search(scope, query(), 0.95);
    bench.add(`redis, n=${N}, d=${d}: search, copy warm (no Redis call)`, async () => note(await warm.search(scope, query(), 0.95)));
    bench.add(`redis, n=${N}, d=${d}: search, copy checked (GET version)`, async () => note(await checked.search(scope, query(), 0.95)));
    bench.add(`redis, n=${N}, d=${d}: search, copy caught up (1 entry new)`, async () => note(await catching.search(scope, query(), 0.95)), {
      beforeEach: async () => other.add(scope, query(), `other${++seq}`, HOUR),
    });
    bench.add(`redis, n=${N}, d=${d}: search, copy cold (transfer ${((N * (8 + 4 * d)) / 1e6).toFixed(2)} MB)`, async () => {
      await cold.close(); // drops the process's copies, as another process's write would make it refetch
      note(await cold.search(scope, query(), 0.95));
    });
    const adder = createRedisIndex({ redis, prefix: `${prefix}add:` });
    for (let i = 0; i < N; i++) await adder.add(scope, vectors[i], `e${i}`, HOUR);
    bench.add(`redis, n=${N}, d=${d}: add to the full scope (one script)`, async () => adder.add(scope, query(), `new${++seq}`, HOUR));
  }
}

await bench.run();

console.log(`Node ${process.version}; one scope of n = ${N} entries; times per call`);
console.table(
  bench.tasks.map((t) => ({
    task: t.name,
    'median µs': (t.result.latency.p50 * 1000).toFixed(1),
    'mean µs': (t.result.latency.mean * 1000).toFixed(1),
    'p99 µs': (t.result.latency.p99 * 1000).toFixed(1),
    'ops/s': Math.round(t.result.throughput.mean).toLocaleString('en-US'),
  })),
);

if (redis) {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
}
if (!(sink > 0)) throw new Error('nothing was computed');
