#!/usr/bin/env node
// Cost engine micro-benchmarks (tinybench), against the built package. Run after `pnpm build`:
//
//   node bench/cost.bench.mjs            # ~1 s per task
//   node bench/cost.bench.mjs --quick    # ~0.25 s per task (smoke test)
//
// First-use costs (price table load, tokenizer load) are measured once, before the tasks, since
// they are paid once per process; the tasks then measure the per-request work.
import { Bench } from 'tinybench';
import { Gateway, createLogger } from '@tollgate/core';
import mockPlugin from '@tollgate/adapter-mock';

const quick = process.argv.includes('--quick');
const TIME_MS = quick ? 250 : 1000;
const WARMUP_MS = quick ? 100 : 300;

let t0 = performance.now();
const { default: costPlugin, CostEngine, costOf, estimateUsage, priceFor } = await import('@tollgate/plugin-cost');
const importMs = performance.now() - t0;

t0 = performance.now();
priceFor('openai', 'gpt-4o-2024-08-06');
const tableLoadMs = performance.now() - t0;

// A 4 KB prompt: English prose with some code and non-ASCII text, as chat requests carry.
const paragraph =
  'The gateway prices every request from the usage the provider reported: cached input, cache writes and ' +
  'reasoning tokens each at their own rate. `costOf(usage, price)` returns the breakdown; 料金は米ドルで計算されます。\n';
const prompt4k = paragraph.repeat(Math.ceil(4096 / paragraph.length)).slice(0, 4096);
const chatRequest = { model: 'gpt-4o', messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: prompt4k }] };

t0 = performance.now();
estimateUsage(chatRequest, 'ok', 'gpt-4o');
const tokenizerLoadMs = performance.now() - t0;

const usage = {
  prompt_tokens: 2000,
  completion_tokens: 1500,
  total_tokens: 3500,
  prompt_tokens_details: { cached_tokens: 1024 },
  completion_tokens_details: { reasoning_tokens: 1200 },
};
const engine = new CostEngine();
const deployment = { provider: 'anthropic', providerModel: 'claude-sonnet-4-5-20250929', params: { model: 'anthropic/claude-sonnet-4-5-20250929' }, modelInfo: {} };
const anthropicUsage = { prompt_tokens: 7100, completion_tokens: 300, total_tokens: 7400, prompt_tokens_details: { cached_tokens: 5000, cache_creation_tokens: 2000 } };
let sink = 0;

// The plugin in a gateway (mock upstream, in process): its per-request work is the header tap on
// the complete answer and the account tap. Measured as CPU time per request over 20,000 requests,
// each followed by an event-loop turn as network I/O would give (else every request's account work
// piles up behind a loop of microtasks); bare and with the plugin interleaved, median of 7 rounds.
const model_list = [{ model_name: 'mini', params: { model: 'mock/gpt-4o-mini', mock_response: 'Hello from the mock upstream.', mock_usage: { prompt_tokens: 9, completion_tokens: 12 } } }];
async function makeGateway(plugins) {
  const gateway = new Gateway({ config: { model_list: structuredClone(model_list) }, logger: createLogger({ level: 'silent' }) });
  await gateway.use(mockPlugin);
  for (const p of plugins) await gateway.use(p);
  await gateway.start();
  return gateway;
}
const gateways = {
  bare: await makeGateway([]),
  'an empty account tap': await makeGateway([{ name: 'noop', apply(g) { g.hooks.account.tap('noop', () => undefined); } }]),
  '@tollgate/plugin-cost': await makeGateway([costPlugin]),
};
const hello = { model: 'mini', messages: [{ role: 'user', content: 'Say hello.' }] };
const PER_ROUND = quick ? 2_000 : 20_000;
const ROUNDS = quick ? 3 : 7;
const turn = () => new Promise((resolve) => setImmediate(resolve));
async function cpuPerRequest(gateway) {
  const start = process.cpuUsage();
  for (let i = 0; i < PER_ROUND; i++) {
    sink += (await gateway.chat(hello)).usage.total_tokens;
    await turn();
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / PER_ROUND;
}
const cpu = Object.fromEntries(Object.keys(gateways).map((k) => [k, []]));
for (const g of Object.values(gateways)) await cpuPerRequest(g); // warm-up
for (let r = 0; r < ROUNDS; r++) for (const [k, g] of Object.entries(gateways)) cpu[k].push(await cpuPerRequest(g));
for (const g of Object.values(gateways)) await g.close();
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];

const bench = new Bench({ time: TIME_MS, warmupTime: WARMUP_MS });
bench
  .add('cost per request: priceFor (cached lookup) + costOf', () => {
    sink += costOf(usage, priceFor('openai', 'o3-2025-04-16')).total;
  })
  .add('cost per request: CostEngine.record (deployment price kept)', () => {
    sink += engine.record({ deployment, operation: 'chat', usage: anthropicUsage }).cost;
  })
  .add('priceFor with overrides (compiled per call; the engine does it once per deployment)', () => {
    sink += priceFor('azure', 'prod', { model_info: { base_model: 'azure/gpt-4o' }, params: { output_cost_per_token: 2e-5 } }).standard.base.output;
  })
  .add('estimateUsage: 4 KB chat prompt, OpenAI tokenizer (o200k_base)', () => {
    sink += estimateUsage(chatRequest, '', 'gpt-4o').prompt_tokens;
  })
  .add('estimateUsage: 4 KB chat prompt, 4 characters a token (other makers)', () => {
    sink += estimateUsage(chatRequest, '', 'claude-sonnet-4-5').prompt_tokens;
  });

await bench.run();

console.log(`Node ${process.version}; first use: import ${importMs.toFixed(1)} ms, price table ${tableLoadMs.toFixed(1)} ms, o200k tokenizer ${tokenizerLoadMs.toFixed(1)} ms`);
console.table(
  bench.tasks.map((t) => ({
    task: t.name,
    'mean µs': (t.result.latency.mean * 1000).toFixed(3),
    'p99 µs': (t.result.latency.p99 * 1000).toFixed(3),
    'ops/s': Math.round(t.result.throughput.mean).toLocaleString('en-US'),
  })),
);
console.log(`gateway.chat() non-streamed in process, mock upstream: CPU µs per request (median of ${ROUNDS} rounds of ${PER_ROUND.toLocaleString('en-US')})`);
console.table(Object.entries(cpu).map(([target, xs]) => ({ target, 'CPU µs/request': median(xs).toFixed(2), 'vs bare': (median(xs) - median(cpu.bare)).toFixed(2), rounds: xs.map((x) => x.toFixed(1)).join(' ') })));
if (!(sink > 0)) throw new Error('nothing was computed');
