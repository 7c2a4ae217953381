#!/usr/bin/env node
// In-process pipeline micro-benchmarks (tinybench): the Tollgate core with the mock adapter,
// no server, no sockets. Run after `pnpm build`:
//
//   node bench/pipeline.bench.mjs            # ~1 s per task
//   node bench/pipeline.bench.mjs --quick    # ~0.25 s per task (smoke test)
//
// ops/s is 1 / mean latency (one request at a time). What is measured is the core's own work per request plus the mock transport's (it JSON-parses
// the upstream request body and JSON-serialises a completion or SSE events, as an upstream would).
import { Bench } from 'tinybench';
import { Gateway, createLogger } from '@tollgate/core';
import mockPlugin from '@tollgate/adapter-mock';

const quick = process.argv.includes('--quick');
const TIME_MS = quick ? 250 : 1000;
const WARMUP_MS = quick ? 100 : 300;

// Chunk text of a fixed size so the 8/64/256-chunk streams differ only in the number of chunks.
const CHUNK_CHARS = 8;
const STREAM_SIZES = [8, 64, 256];
const text = (chunks) => 'abcdefg '.repeat(chunks).slice(0, chunks * CHUNK_CHARS);

const model_list = [
  { model_name: 'bench-json', params: { model: 'mock/gpt-4o-mini', mock_response: 'Hello from the mock upstream, a short fixed answer.', mock_usage: { prompt_tokens: 9, completion_tokens: 12 } } },
  ...STREAM_SIZES.map((n) => ({
    model_name: `bench-stream-${n}`,
    params: { model: 'mock/gpt-4o-mini', mock_response: text(n), mock_stream_chunks: n, mock_usage: { prompt_tokens: 9, completion_tokens: n * 2 } },
  })),
];

/** A plugin that taps every hook and does nothing: the price of having hooks in use. */
const emptyPlugin = {
  name: 'bench-empty-taps',
  apply(gateway) {
    const h = gateway.hooks;
    const name = 'bench-empty';
    h.preRoute.tap(name, () => undefined);
    h.route.tap(name, () => undefined);
    h.transformRequest.tap(name, (req) => req);
    h.send.tap(name, () => undefined);
    h.attemptFailed.tap(name, () => undefined);
    h.transformResponse.tap(name, (res) => res);
    h.transformChunk.tap(name, (chunk) => chunk);
    h.streamEnd.tap(name, () => undefined);
    h.account.tap(name, () => undefined);
    h.error.tap(name, () => undefined);
    h.ready.tap(name, () => undefined);
    h.shutdown.tap(name, () => undefined);
  },
};

async function makeGateway(plugins = []) {
  const gateway = new Gateway({ config: { model_list: structuredClone(model_list) }, logger: createLogger({ level: 'silent' }) });
  await gateway.use(mockPlugin);
  for (const p of plugins) await gateway.use(p);
  await gateway.start();
  return gateway;
}

/**
 * A plugin that wants whole answers for one model group only (a cache configured for one group):
 * every other request must keep the byte fast path (#14: within 5 % of no plugin).
 */
const collectOneGroup = {
  name: 'bench-collect-one-group',
  apply(gateway) {
    gateway.hooks.preRoute.tap({ name: 'collect', marksChanges: true }, (request, ctx) => {
      if (request.model === 'bench-json') ctx.collectResponse();
    });
    gateway.hooks.streamEnd.tap('collect', () => undefined);
  },
};

const plain = await makeGateway();
const tapped = await makeGateway([emptyPlugin]);
const collecting = await makeGateway([collectOneGroup]);

const messages = [{ role: 'user', content: 'Say hello.' }];
const jsonReq = () => ({ model: 'bench-json', messages });
const streamReq = (n) => ({ model: `bench-stream-${n}`, messages, stream: true });

async function chatJson(gw) {
  const r = await gw.chat(jsonReq());
  if (!r.choices) throw new Error('no choices');
}

async function chatStream(gw, n) {
  const stream = await gw.chat(streamReq(n));
  let count = 0;
  for await (const _ of stream) count++;
  return count;
}

async function executeJson(gw) {
  const ctx = gw.createContext('chat', jsonReq());
  const r = await gw.execute(ctx, { rawEvents: true });
  if (r.kind !== 'response') throw new Error('expected a response');
}

async function executeStream(gw, n) {
  const ctx = gw.createContext('chat', streamReq(n));
  const r = await gw.execute(ctx, { rawEvents: true });
  if (r.kind !== 'stream') throw new Error('expected a stream');
  let count = 0;
  let strings = 0;
  for await (const item of r.stream) { count++; if (typeof item === 'string') strings++; }
  return { count, strings };
}

// Sanity checks before timing anything: right shapes, right chunk counts, the fast path taken.
for (const n of STREAM_SIZES) {
  const expected = n + 2; // role chunk + n content chunks + finish chunk ([DONE] is the writer's)
  const c = await chatStream(plain, n);
  if (c !== expected) throw new Error(`chat stream ${n}: got ${c} chunks, expected ${expected}`);
  const e = await executeStream(plain, n);
  // Content chunks go out as the upstream's own bytes (string items); chunks that carry usage or a
  // finish_reason are parsed and may be re-encoded (e.g. to strip a usage field the client did not ask for).
  if (e.count !== expected || e.strings < n) throw new Error(`execute stream ${n}: ${JSON.stringify(e)} (expected ${expected} items, >= ${n} strings)`);
  const t = await chatStream(tapped, n);
  if (t !== expected) throw new Error(`tapped chat stream ${n}: got ${t} chunks`);
  const k = await executeStream(collecting, n);
  if (k.strings < n) throw new Error(`collecting another group must keep this stream on the fast path: ${JSON.stringify(k)}`);
}
await chatJson(plain);
await executeJson(plain);
await chatJson(tapped);

const bench = new Bench({ name: 'tollgate pipeline (mock adapter, in-process)', time: TIME_MS, warmupTime: WARMUP_MS, throws: true });
const chunksOf = new Map();
const add = (name, fn, chunks) => { bench.add(name, fn); if (chunks) chunksOf.set(name, chunks); };

add('chat  non-streamed', () => chatJson(plain));
add('chat  non-streamed  +empty taps', () => chatJson(tapped));
for (const n of STREAM_SIZES) add(`chat  streamed ${n} chunks`, () => chatStream(plain, n), n + 2);
for (const n of STREAM_SIZES) add(`chat  streamed ${n} chunks  +empty taps`, () => chatStream(tapped, n), n + 2);
add('execute rawEvents non-streamed', () => executeJson(plain));
for (const n of STREAM_SIZES) add(`execute rawEvents streamed ${n} chunks`, () => executeStream(plain, n), n + 2);
for (const n of STREAM_SIZES) add(`execute rawEvents streamed ${n} chunks  +collect for another group`, () => executeStream(collecting, n), n + 2);

await bench.run();

const rows = bench.tasks.map((t) => {
  const r = t.result;
  const mean = r.latency.mean * 1000;
  const p99 = r.latency.p99 * 1000;
  const chunks = chunksOf.get(t.name);
  return {
    name: t.name,
    'ops/s': Math.round(1e6 / mean).toLocaleString('en-US'),
    'mean µs': mean.toFixed(1),
    'p99 µs': p99.toFixed(1),
    'µs/chunk': chunks ? (mean / chunks).toFixed(2) : '',
    samples: r.latency.samples?.length ?? r.samples?.length ?? '',
  };
});

console.log(`\n${bench.name} — node ${process.version}, ${quick ? 'quick' : 'full'} run (${TIME_MS} ms/task)`);
console.table(rows);

// Marginal cost of one more chunk, from the slope between stream sizes (excludes per-request cost).
const meanOf = (name) => bench.getTask(name).result.latency.mean * 1000;
const slope = (prefix, suffix = '') => {
  const out = [];
  for (let i = 1; i < STREAM_SIZES.length; i++) {
    const a = STREAM_SIZES[i - 1], b = STREAM_SIZES[i];
    const d = (meanOf(`${prefix} ${b} chunks${suffix}`) - meanOf(`${prefix} ${a} chunks${suffix}`)) / (b - a);
    out.push(`${a}->${b}: ${d.toFixed(2)} µs/chunk`);
  }
  return out.join(', ');
};
console.log('marginal cost per extra chunk (slope of mean latency):');
console.log(`  chat streamed              ${slope('chat  streamed')}`);
console.log(`  chat streamed +empty taps  ${slope('chat  streamed', '  +empty taps')}`);
console.log(`  execute rawEvents          ${slope('execute rawEvents streamed')}`);
const hookCost = meanOf('chat  non-streamed  +empty taps') - meanOf('chat  non-streamed');
console.log(`cost of empty taps on every hook, non-streamed: ${hookCost.toFixed(1)} µs/request`);
// Medians: on a shared box a few slow samples move a mean by more than the 5 % asked about.
const p50Of = (name) => { const l = bench.getTask(name).result.latency; return (l.p50 ?? l.mean) * 1000; };
for (const n of STREAM_SIZES) {
  const ratio = p50Of(`execute rawEvents streamed ${n} chunks`) / p50Of(`execute rawEvents streamed ${n} chunks  +collect for another group`);
  console.log(`streamed ${n} chunks, throughput (1 / median latency) with a plugin collecting another group's answers: ${(ratio * 100).toFixed(1)} % of none`);
}

await plain.close();
await tapped.close();
await collecting.close();
