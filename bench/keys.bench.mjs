#!/usr/bin/env node
// The keys plugin's per-request work (tinybench), in process, with in-memory SharedState:
// verify a cached key, admit it (model access, budgets of key/user/team, rpm/tpm/parallel),
// price the usage, account it (shared counters + batched spend). The store (SQLite in a temp
// dir) is only read on cache misses. Run after `pnpm build`:
//
//   node --expose-gc bench/keys.bench.mjs            # ~1 s per task
//   node --expose-gc bench/keys.bench.mjs --quick    # ~0.25 s per task
//
// Target (issue 16): auth + limits + cost under 20 µs per request (the last task: the plugin's hooks).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { Gateway, MemorySharedState } from '@tollgate/core';
import mock from '@tollgate/adapter-mock';
import { pino } from 'pino';
import keysPlugin, { COST_RECORDS, KeysEngine } from '../packages/plugins-keys/dist/index.js';

const quick = process.argv.includes('--quick');
const dir = mkdtempSync(join(tmpdir(), 'tg-keys-bench-'));
// Spend is written when this script says (the last table row), not on the interval.
const engine = await KeysEngine.open({ store: { sqlite: join(dir, 'tollgate.db') }, masterKey: 'sk-master', state: new MemorySharedState(), spend: { intervalMs: 3_600_000, maxPendingLogs: 10_000_000 } });
const admin = (path, body) => engine.handle('POST', path, { headers: { authorization: 'Bearer sk-master' }, body });

// Every check has something to check: a team with a budget and limits, a user, a key with all of them.
const team = (await admin('/team/new', { models: ['gpt-4o-mini', 'gpt-4o'], max_budget: 1e9, rpm_limit: 1e9, tpm_limit: 1e12 })).body;
await admin('/user/new', { user_id: 'bench-user', team_id: team.team_id, max_budget: 1e9 });
const { key } = (await admin('/key/generate', { user_id: 'bench-user', team_id: team.team_id, models: ['gpt-4o-mini'], max_budget: 1e9, rpm_limit: 1e9, tpm_limit: 1e12, max_parallel_requests: 1000 })).body;

// A price-table lookup and the arithmetic of a cost with cached and reasoning tokens (the cost plugin's job).
const prices = new Map([['gpt-4o-mini', { input: 0.15e-6, output: 0.6e-6, cachedInput: 0.075e-6 }]]);
const usage = { prompt_tokens: 120, completion_tokens: 80, prompt_tokens_details: { cached_tokens: 40 }, completion_tokens_details: { reasoning_tokens: 0 } };
function cost(model, u) {
  const p = prices.get(model);
  const cached = u.prompt_tokens_details?.cached_tokens ?? 0;
  return (u.prompt_tokens - cached) * p.input + cached * p.cachedInput + u.completion_tokens * p.output;
}

// The same request through the plugin's hooks on a started Gateway: authenticate (headers -> cached
// Caller), preRoute at STAGE_LIMITS (model, budgets, rpm/tpm/parallel, x-ratelimit-* headers),
// account (cost read through plugin-cost's token, shared counters, spend queued).
const gateway = new Gateway({ logger: pino({ level: 'silent' }), pluginDir: dir, config: { model_list: [{ model_name: 'gpt-4o-mini', params: { model: 'mock/gpt-4o-mini' } }], settings: { master_key: 'sk-master' } } });
await gateway.use(mock);
await gateway.use({ name: 'bench-cost', apply: (g) => g.container.register(COST_RECORDS, { useValue: () => ({ cost: cost('gpt-4o-mini', usage), input_tokens: 120, output_tokens: 80, cached_tokens: 40, reasoning_tokens: 0 }) }) });
await gateway.use(keysPlugin, { database_url: join(dir, 'gateway.db'), spend_write_interval_ms: 3_600_000 });
await gateway.start();
const gwAdmin = gateway.container.resolve(Symbol.for('@tollgate/plugin-keys.engine'));
const gwTeam = (await gwAdmin.handle('POST', '/team/new', { headers: { authorization: 'Bearer sk-master' }, body: { models: ['gpt-4o-mini'], max_budget: 1e9, rpm_limit: 1e9, tpm_limit: 1e12 } })).body;
const gwKey = (await gwAdmin.handle('POST', '/key/generate', { headers: { authorization: 'Bearer sk-master' }, body: { team_id: gwTeam.team_id, models: ['gpt-4o-mini'], max_budget: 1e9, rpm_limit: 1e9, tpm_limit: 1e12, max_parallel_requests: 1000 } })).body.key;
const headers = { authorization: `Bearer ${gwKey}` };
const request = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] };

let n = 0;
const record = (c) => ({ requestId: `b-${n++}`, modelGroup: 'gpt-4o-mini', model: 'openai/gpt-4o-mini', provider: 'openai', promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, cachedTokens: 40, cost: c, startTime: 0, endTime: 1, status: 'success' });

// Each sample runs BATCH requests back to back, so timer and harness overhead (a few µs per
// sample) does not swamp µs-sized work; figures are per request.
const BATCH = 200;
const perRequest = (ms) => ((ms * 1000) / BATCH).toFixed(2);
let calls = 0;
const repeat = (fn) => async () => {
  for (let i = 0; i < BATCH; i++) await fn();
  calls += BATCH;
};
const tasks = {
  'verify (cached key)': async () => {
    await engine.authenticate(key);
  },
  'verify + admit (model, 2 budgets, rpm/tpm/parallel) + cost': async () => {
    const p = await engine.authenticate(key);
    const a = await engine.admit(p, { model: 'gpt-4o-mini' });
    cost('gpt-4o-mini', usage);
    await engine.release(a);
  },
  'the same + account (shared counters, spend queued for the batch)': async () => {
    const p = await engine.authenticate(key);
    const a = await engine.admit(p, { model: 'gpt-4o-mini' });
    await engine.account(p, a, record(cost('gpt-4o-mini', usage)));
  },
  'plugin: authenticate + preRoute (limits) + account, cost from the token': async () => {
    const caller = await gateway.authenticate(headers);
    const ctx = gateway.createContext('chat', request, { headers, caller });
    if (await gateway.hooks.preRoute.promise(ctx.request, ctx)) throw new Error('refused');
    ctx.outcome = 'ok';
    ctx.usage = usage;
    await gateway.hooks.account.promise(ctx);
  },
};

// Wall time on a shared box includes other processes' time slices; CPU time of this process per
// request (process.cpuUsage) does not, so both are printed.
const rows = [];
for (const [name, fn] of Object.entries(tasks)) {
  globalThis.gc?.(); // run with --expose-gc so one task's garbage is not collected in the next
  const bench = new Bench({ time: quick ? 250 : 1000, warmupTime: quick ? 100 : 300 });
  bench.add(name, repeat(fn));
  calls = 0;
  const cpu = process.cpuUsage();
  await bench.run();
  const used = process.cpuUsage(cpu);
  const r = bench.tasks[0].result;
  // Warm-up runs are counted too: they used CPU in the same measurement.
  const requests = calls;
  rows.push({
    task: name,
    'p50 µs/req': perRequest(r.latency.p50),
    'mean µs/req': perRequest(r.latency.mean),
    'cpu µs/req': requests ? ((used.user + used.system) / requests).toFixed(2) : '',
    'req/s': Math.round((BATCH * 1000) / r.latency.mean),
  });
}
// The batch write: spend of every scope plus one spend-log row per request, in SQLite.
const queued = n;
const cpu = process.cpuUsage();
const t0 = performance.now();
await engine.flush();
const used = process.cpuUsage(cpu);
rows.push({ task: `batch write (SQLite), per request, ${queued} queued`, 'p50 µs/req': '', 'mean µs/req': (((performance.now() - t0) * 1000) / queued).toFixed(2), 'cpu µs/req': ((used.user + used.system) / queued).toFixed(2), 'req/s': '' });
console.log(`Node ${process.version}, ${quick ? 'quick' : 'full'} run`);
console.table(rows);
await engine.close();
await gateway.close(0);
rmSync(dir, { recursive: true, force: true });
