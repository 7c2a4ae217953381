#!/usr/bin/env node
// The keys plugin's per-request work (tinybench), in process, with in-memory SharedState:
// verify a cached key, admit it (model access, budgets of key/user/team, rpm/tpm/parallel),
// price the usage, account it (shared counters + batched spend). The store (SQLite in a temp
// dir) is only read on cache misses. Run after `pnpm build`:
//
//   node bench/keys.bench.mjs            # ~1 s per task
//   node bench/keys.bench.mjs --quick    # ~0.25 s per task
//
// Target (issue 16): verify + limits + cost under 20 µs per request.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { MemorySharedState } from '@tollgate/core';
import { KeysEngine } from '../packages/plugins-keys/dist/index.js';

const quick = process.argv.includes('--quick');
const dir = mkdtempSync(join(tmpdir(), 'tg-keys-bench-'));
const engine = await KeysEngine.open({ store: { sqlite: join(dir, 'tollgate.db') }, masterKey: 'sk-master', state: new MemorySharedState() });
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

let n = 0;
const record = (c) => ({ requestId: `b-${n++}`, modelGroup: 'gpt-4o-mini', model: 'openai/gpt-4o-mini', provider: 'openai', promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, cachedTokens: 40, cost: c, startTime: 0, endTime: 1, status: 'success' });

// Each sample runs BATCH requests back to back, so timer and harness overhead (a few µs per
// sample) does not swamp µs-sized work; figures are per request.
const BATCH = 200;
const repeat = (fn) => async () => {
  for (let i = 0; i < BATCH; i++) await fn();
};
const bench = new Bench({ time: quick ? 250 : 1000, warmupTime: quick ? 100 : 300 });
bench
  .add('verify (cached key)', repeat(async () => {
    await engine.authenticate(key);
  }))
  .add('verify + admit (model, budgets, rpm/tpm/parallel) + release', repeat(async () => {
    const p = await engine.authenticate(key);
    const a = await engine.admit(p, { model: 'gpt-4o-mini' });
    await engine.account(p, a, record(0));
  }))
  .add('verify + admit + cost + account (a whole request)', repeat(async () => {
    const p = await engine.authenticate(key);
    const a = await engine.admit(p, { model: 'gpt-4o-mini' });
    await engine.account(p, a, record(cost('gpt-4o-mini', usage)));
  }));

await bench.run();
console.log(`Node ${process.version}, ${quick ? 'quick' : 'full'} run`);
const perRequest = (ms) => ((ms * 1000) / BATCH).toFixed(2);
console.table(bench.tasks.map((t) => ({ task: t.name, 'mean µs/req': perRequest(t.result.latency.mean), 'p50 µs/req': perRequest(t.result.latency.p50), 'p99 µs/req': perRequest(t.result.latency.p99), 'req/s': Math.round((BATCH * 1000) / t.result.latency.mean) })));
await engine.close();
rmSync(dir, { recursive: true, force: true });
