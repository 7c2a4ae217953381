#!/usr/bin/env node
// What @tollgate/plugin-metrics and the request log cost per request, in process (mock adapter, no
// sockets), measured as CPU time per request over many requests with their `account` work
// included (account runs after the answer, so a per-call latency benchmark would not see it).
// Run after `pnpm build`:
//
//   node bench/metrics.bench.mjs            # 5 rounds x 40,000 requests per variant
//   node bench/metrics.bench.mjs --quick    # 2 rounds x 10,000
//
// Variants, interleaved per round: the bare gateway; an empty `account` tap (the price of the hook
// being in use at all); the request log (the server's account-time line, written to /dev/null);
// the metrics plugin; both. Medians over rounds.
import { setImmediate as tick } from 'node:timers/promises';
import { pino } from 'pino';
import { Gateway, createAccessLogger, createLogger, requestRecord, STAGE_LAST } from '@tollgate/core';
import mockPlugin from '@tollgate/adapter-mock';
import metricsPlugin from '@tollgate/plugin-metrics';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 5;
const N = quick ? 10_000 : 40_000;
const CONCURRENCY = 64;

const model_list = [{ model_name: 'bench-json', params: { model: 'mock/gpt-4o-mini', mock_response: 'Hello from the mock upstream, a short fixed answer.', mock_usage: { prompt_tokens: 9, completion_tokens: 12 } } }];

const emptyAccount = { name: 'bench-empty-account', apply(g) { g.hooks.account.tap('bench-empty-account', () => undefined); } };
/** The server's request log (packages/server/src/access-log.ts), to a real file descriptor. */
const requestLog = {
  name: 'bench-request-log',
  apply(g) {
    const log = createAccessLogger(createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: false, minLength: 4096 }) }));
    g.hooks.account.tap({ name: 'bench-request-log', stage: STAGE_LAST }, (ctx) => log.info(requestRecord(ctx), 'request'));
  },
};

async function makeGateway(plugins) {
  const gateway = new Gateway({ config: { model_list: structuredClone(model_list) }, logger: createLogger({ level: 'silent' }) });
  await gateway.use(mockPlugin);
  for (const p of plugins) await gateway.use(p);
  await gateway.start();
  return gateway;
}

const VARIANTS = [
  ['bare gateway', []],
  ['empty account tap', [emptyAccount]],
  ['request log', [requestLog]],
  ['plugin-metrics', [metricsPlugin]],
  ['request log + plugin-metrics', [requestLog, metricsPlugin]],
];

const gateways = [];
for (const [name, plugins] of VARIANTS) gateways.push([name, await makeGateway(plugins)]);

const messages = [{ role: 'user', content: 'Say hello.' }];
async function run(gw, n) {
  let next = 0;
  const worker = async () => { while (next++ < n) await gw.chat({ model: 'bench-json', messages }); };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  // Let the last `account` taps run (they are scheduled with setImmediate after each answer).
  await tick();
  await tick();
  const cpu = process.cpuUsage(cpu0);
  return { cpuUs: (cpu.user + cpu.system) / n, wallUs: ((performance.now() - t0) * 1000) / n };
}

for (const [, gw] of gateways) await run(gw, 2_000); // warm-up
const per = new Map(VARIANTS.map(([name]) => [name, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (let i = 0; i < gateways.length; i++) {
    const [name, gw] = gateways[(i + r) % gateways.length];
    per.get(name).push(await run(gw, N));
  }
}
const median = (xs) => { const v = [...xs].sort((a, b) => a - b); const m = v.length >> 1; return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2; };
const base = median(per.get('bare gateway').map((x) => x.cpuUs));
console.log(`plugin-metrics / request log cost — node ${process.version}, ${ROUNDS} rounds x ${N} requests, ${CONCURRENCY} concurrent, medians`);
console.table(VARIANTS.map(([name]) => {
  const cpu = median(per.get(name).map((x) => x.cpuUs));
  return { variant: name, 'CPU µs/req': cpu.toFixed(2), 'vs bare µs': (cpu - base >= 0 ? '+' : '') + (cpu - base).toFixed(2), 'wall µs/req': median(per.get(name).map((x) => x.wallUs)).toFixed(2) };
}));
for (const [, gw] of gateways) await gw.close();
