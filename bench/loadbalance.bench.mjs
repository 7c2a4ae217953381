#!/usr/bin/env node
// The load balancer's cost per request, in process: the same non-streamed chat through three
// gateways (mock adapter, no sockets), in interleaved batches, best batch of each reported. Run
// after `pnpm build`:
//
//   node bench/loadbalance.bench.mjs            # ~30 s
//   node bench/loadbalance.bench.mjs --quick    # ~8 s
//
// - bare: one deployment, no plugin;
// - no-op taps: two deployments and a plugin tapping the same hooks as the load balancer (route at
//   two stages, attemptEnd, attemptFailed, account) with taps that do nothing: the hooks' own price;
// - loadbalance: two deployments, @tollgate/plugin-loadbalance (simple-shuffle), in-memory state.
//
// Batches yield to the event loop every 16 requests, so `account` (scheduled with setImmediate)
// runs as it does in a server instead of piling up behind a loop that never yields.
import { Gateway, ROUTE_FILTER, ROUTE_STRATEGY, createLogger } from '@tollgate/core';
import mockPlugin from '@tollgate/adapter-mock';
import loadBalance from '@tollgate/plugin-loadbalance';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 8 : 30;
const BATCH = 4000;
const deployment = { model_name: 'g', params: { model: 'mock/gpt-4o-mini', mock_response: 'Hello from the mock upstream.', mock_usage: { prompt_tokens: 9, completion_tokens: 7 } } };

const noopTaps = {
  name: 'bench-noop-routing-taps',
  apply(gateway) {
    const h = gateway.hooks;
    const slot = gateway.declareSlot('bench-noop', null);
    h.route.tapPromise({ name: 'noop', stage: ROUTE_FILTER }, async (ds, ctx) => { slot.set(ctx, {}); return ds.slice(); });
    h.route.tapPromise({ name: 'noop', stage: ROUTE_STRATEGY }, async (ds) => ds.slice());
    h.attemptEnd.tap('noop', () => undefined);
    h.attemptFailed.tapPromise('noop', async () => undefined);
    h.account.tapPromise('noop', async () => undefined);
  },
};

async function make(deployments, plugins) {
  const gateway = new Gateway({ config: { model_list: Array.from({ length: deployments }, () => structuredClone(deployment)) }, logger: createLogger({ level: 'silent' }) });
  await gateway.use(mockPlugin);
  for (const p of plugins) await gateway.use(p);
  await gateway.start();
  return gateway;
}

const gateways = { bare: await make(1, []), 'no-op taps': await make(2, [noopTaps]), loadbalance: await make(2, [loadBalance]) };
const body = { model: 'g', messages: [{ role: 'user', content: 'Say hello.' }] };

async function batch(gateway) {
  const t = performance.now();
  for (let i = 0; i < BATCH; i++) {
    const r = await gateway.chat(body);
    if (!r.choices) throw new Error('no answer');
    if (i % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
  }
  return ((performance.now() - t) * 1000) / BATCH;
}

const best = Object.fromEntries(Object.keys(gateways).map((k) => [k, Infinity]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, gateway] of Object.entries(gateways)) {
    const us = await batch(gateway);
    if (round >= 2) best[name] = Math.min(best[name], us); // the first rounds warm up
  }
}
console.log(`load balancer cost, in process — node ${process.version}, best of ${ROUNDS - 2} interleaved batches of ${BATCH} non-streamed requests`);
console.table(Object.entries(best).map(([name, us]) => ({ gateway: name, 'µs/request': us.toFixed(1), 'vs bare': `+${(us - best.bare).toFixed(1)}` })));
for (const g of Object.values(gateways)) await g.close();
