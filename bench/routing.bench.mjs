#!/usr/bin/env node
// The load balancer's routing decision for one request, 100 deployments in a group, per strategy
// (tinybench). Run after `pnpm build`:
//
//   node bench/routing.bench.mjs            # ~1 s per task
//   node bench/routing.bench.mjs --quick    # ~0.25 s per task (smoke test)
//   node bench/routing.bench.mjs --redis    # also the whole route on Redis (127.0.0.1:6379)
//
// Three rows per strategy:
// - "order": the strategy alone (tiers, scores, sort) over 100 deployments with their stats in hand;
// - "route": every route stage (tags, context window, cooldown lookup, stats read, order) on
//   MemorySharedState, as one process runs it;
// - "route redis": the same on RedisSharedState (one or two round trips to a local Redis).
import { randomUUID } from 'node:crypto';
import { Bench } from 'tinybench';
import { MemorySharedState } from '@tollgate/core';
import { LoadBalancer, STRATEGIES, deploymentView, orderPlan, resolveRouterSettings, seededRng } from '@tollgate/plugin-loadbalance';
import { RedisSharedState } from '@tollgate/state-redis';

const quick = process.argv.includes('--quick');
const withRedis = process.argv.includes('--redis');
const TIME_MS = quick ? 250 : 1000;
const WARMUP_MS = quick ? 100 : 300;
const N = 100;
const NAMES = Object.keys(STRATEGIES);

const deployments = Array.from({ length: N }, (_, i) =>
  deploymentView({
    id: `d${i}`,
    modelName: 'bench',
    params: { model: `mock/m${i}`, weight: 1 + (i % 7), rpm: 100_000, tpm: 10_000_000, input_cost_per_token: 1e-6 * (1 + (i % 13)), output_cost_per_token: 2e-6 },
    modelInfo: { max_input_tokens: 128_000 },
  }));
const rng = seededRng(1);
const stats = deployments.map((_, i) => ({ inFlight: i % 5, latencyPerTokenMs: 5 + (i % 17), ttftMs: 100 + (i % 23), rpmUsed: i, tpmUsed: 100 * i, usageResetMs: 30_000 }));
const request = { group: 'bench', stream: false, inputTokens: 50, tags: [] };
const body = { model: 'bench', messages: [{ role: 'user', content: 'Say hello, in one short sentence please.' }] };

async function route(lb) {
  const rs = lb.begin(body);
  let ds = lb.enterGroup(deployments, 'bench', rs);
  ds = lb.filterTags(ds, rs);
  ds = lb.filterContextWindow(ds, rs);
  ds = await lb.filterCooldown(ds, rs);
  const plan = await lb.order(ds, rs);
  if (plan.length !== N) throw new Error(`plan of ${plan.length}`);
}

const balancers = [];
const make = (name, state) => {
  const { settings } = resolveRouterSettings({ router: { routing_strategy: name, enable_pre_call_checks: true } });
  const lb = new LoadBalancer({ settings, state, rng });
  balancers.push(lb);
  return lb;
};

const bench = new Bench({ name: `routing decision, ${N} deployments in a group`, time: TIME_MS, warmupTime: WARMUP_MS, throws: true });
for (const name of NAMES) {
  // depth 4: 1 + num_retries (2, LiteLLM's default) + 1, what LoadBalancer passes by default.
  const ctx = { request, rng, counter: 0, latencyBuffer: 0.1, price: (d) => d.inputCostPerToken + d.outputCostPerToken, depth: 4 };
  bench.add(`${name}  order`, () => {
    ctx.counter++;
    if (orderPlan(deployments, stats, STRATEGIES[name], ctx).plan.length !== N) throw new Error('short plan');
  });
}
for (const name of NAMES) {
  const lb = make(name, new MemorySharedState());
  // usage-based routing admits the head of each plan against its rpm: raise the limits out of reach.
  bench.add(`${name}  route (memory)`, () => route(lb));
}
const redisStates = [];
if (withRedis) {
  for (const name of NAMES) {
    const state = new RedisSharedState({ url: 'redis://127.0.0.1:6379', keyPrefix: `tg-bench:${randomUUID()}:` });
    if (!(await state.ready())) throw new Error('no Redis on 127.0.0.1:6379');
    redisStates.push(state);
    const lb = make(name, state);
    bench.add(`${name}  route (redis)`, () => route(lb));
  }
}

await bench.run();
console.log(`\n${bench.name} — node ${process.version}, ${quick ? 'quick' : 'full'} run (${TIME_MS} ms/task)`);
console.table(bench.tasks.map((t) => {
  const r = t.result;
  return {
    name: t.name,
    'ops/s': Math.round(1e6 / (r.latency.mean * 1000)).toLocaleString('en-US'),
    'p50 µs': (r.latency.p50 * 1000).toFixed(1),
    'mean µs': (r.latency.mean * 1000).toFixed(1),
    'p99 µs': (r.latency.p99 * 1000).toFixed(1),
  };
}));
for (const s of redisStates) await s.close();
