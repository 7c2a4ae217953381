#!/usr/bin/env node
// Response cache micro-benchmarks (tinybench), against the built package. Run after `pnpm build`:
//
//   node bench/cache.bench.mjs            # ~1 s per task
//   node bench/cache.bench.mjs --quick    # ~0.25 s per task (smoke test)
//
// What a request pays in the cache itself: the key (normalise + sha256), a lookup in a memory
// store holding 100,000 entries (hit: the entry's JSON parsed into the caller's own copy; miss),
// a store; and in a gateway in process (mock upstream): a hit against the same request with no
// cache (which goes to the mock upstream) and against a miss that stores.
import { Bench } from 'tinybench';
import { Gateway, createLogger } from '@tollgate/core';
import mock from '@tollgate/adapter-mock';
import cachePlugin, { MemoryStore, cacheKey } from '@tollgate/plugin-cache';

const quick = process.argv.includes('--quick');
const TIME_MS = quick ? 250 : 1000;
const WARMUP_MS = quick ? 100 : 300;
const ENTRIES = 100_000;

const prose = 'The gateway answers repeated questions from its cache, per tenant, without calling the provider. ';
const chat = (content) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content }],
  temperature: 0.2,
  max_tokens: 256,
  user: 'u-1',
  stream_options: { include_usage: true },
});
const prompt1k = prose.repeat(11).slice(0, 1024);
const prompt4k = prose.repeat(42).slice(0, 4096);
const keyOf = (request) => cacheKey({ operation: 'chat', group: 'gpt-4o-mini', scope: 'k:3f2a9c', namespace: '', request });

// A typical stored answer: ~700 bytes of chat completion JSON.
const answer = (i) => ({
  id: `chatcmpl-${i}`, object: 'chat.completion', created: 1_760_000_000, model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: prose.repeat(4) + i, refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 260, completion_tokens: 100, total_tokens: 360, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
  system_fingerprint: 'fp_0aa8d3e20b',
});

let t0 = performance.now();
const store = new MemoryStore({ maxBytes: 512 * 1024 * 1024 });
const keys = [];
for (let i = 0; i < ENTRIES; i++) {
  const k = keyOf(chat(`${prompt1k} #${i}`));
  keys.push(k);
  store.set(k, { createdAt: Date.now(), response: answer(i) }, 3_600_000);
}
const fillMs = performance.now() - t0;
const absent = keyOf(chat('never stored'));

// Gateways in process, mock upstream: no cache, and the cache in memory.
const logger = createLogger({ level: 'silent' });
const model_list = [{ model_name: 'gpt-4o-mini', params: { model: 'mock/gpt-4o-mini' } }];
const bare = new Gateway({ config: { model_list }, logger });
await bare.use(mock);
await bare.start();
const cached = new Gateway({ config: { model_list }, logger });
await cached.use(mock);
await cached.use(cachePlugin, { ttl: 3600 });
await cached.start();
const missing = new Gateway({ config: { model_list }, logger });
await missing.use(mock);
await missing.use(cachePlugin, { ttl: 3600 });
await missing.start();
// The cache on for another model group only: this group's streams must keep their fast path.
const other = new Gateway({ config: { model_list }, logger });
await other.use(mock);
await other.use(cachePlugin, { ttl: 3600, model_groups: ['another-group'] });
await other.start();
const streamOf = async (g) => { let k = 0; for await (const _ of await g.chat({ ...chat('Say hi'), stream: true })) k++; return k; };
const hitRequest = chat(prompt1k);
await cached.chat(hitRequest);
let n = 0;
let sink = 0;

const bench = new Bench({ time: TIME_MS, warmupTime: WARMUP_MS });
bench
  .add('key: normalise + sha256, 1 KB prompt', () => { sink += keyOf(hitRequest).length; })
  .add('key: normalise + sha256, 4 KB prompt', () => { sink += keyOf(chat(prompt4k)).length; })
  .add(`memory store hit among ${ENTRIES / 1000}k entries (JSON.parse of ~700 B)`, () => { sink += store.get(keys[(n++ * 7919) % ENTRIES]) ? 1 : 0; })
  .add(`memory store miss among ${ENTRIES / 1000}k entries`, () => { sink += store.get(absent) ? 1 : 0; })
  .add('memory store set (replace, JSON.stringify)', () => { const i = n++ % ENTRIES; store.set(keys[i], { createdAt: Date.now(), response: answer(i) }, 3_600_000); })
  .add('gateway.chat, no cache (mock upstream)', async () => { sink += (await bare.chat(hitRequest)).choices.length; })
  .add('gateway.chat, cache hit', async () => { sink += (await cached.chat(hitRequest)).choices.length; })
  .add('gateway.chat, cache miss that stores', async () => { sink += (await missing.chat(chat(`${prompt1k} ${n++}`))).choices.length; })
  .add('gateway.chat streamed, no cache', async () => { sink += await streamOf(bare); })
  .add('gateway.chat streamed, cache on another group', async () => { sink += await streamOf(other); });

await bench.run();
await Promise.all([bare.close(0), cached.close(0), missing.close(0), other.close(0)]);

console.log(`Node ${process.version}; filling the store with ${ENTRIES} entries took ${fillMs.toFixed(0)} ms (${(store.bytes / 1024 / 1024).toFixed(0)} MB counted)\n`);
const rows = bench.tasks.map((t) => {
  const r = t.result;
  const p50 = r.latency?.p50 ?? r.p50;
  const p99 = r.latency?.p99 ?? r.p99;
  return { task: t.name, 'µs p50': (p50 * 1000).toFixed(2), 'µs p99': (p99 * 1000).toFixed(2), 'ops/s': Math.round(r.throughput?.mean ?? r.hz).toLocaleString('en-US') };
});
console.table(rows);
if (sink < 0) console.log(sink);
