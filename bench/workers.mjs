#!/usr/bin/env node
// Throughput of `tollgate --num_workers N` for N = 1 and 2, in one run, on 127.0.0.1. Run after
// `pnpm build`:
//
//   node bench/workers.mjs            # 8 s per phase, ~30 s in all
//   node bench/workers.mjs --quick    # 2 s per phase (smoke test)
//
// Options: --workers 1,2  --rounds N (3: the worker counts interleaved N times, medians reported)
//          --connections N (64)  --duration S (8)  --warmup S (2)  --json FILE
//
// Each phase starts the CLI (packages/server/dist/cli.js) with the mock provider (no upstream
// socket, so Tollgate's own CPU is what is measured), drives it with a closed loop of N keep-alive
// connections (undici Pool) for a bounded time, then stops it with SIGTERM. The load generator
// shares the machine, so on a 2-core box the second worker competes with it: compare the ratio
// with the number of cores left over.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'packages/server/dist/cli.js');
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    workers: { type: 'string', default: '1,2' },
    rounds: { type: 'string' },
    connections: { type: 'string', default: '64' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    json: { type: 'string' },
  },
});
const DURATION_MS = Number(args.duration ?? (args.quick ? 2 : 8)) * 1000;
const WARMUP_MS = Number(args.warmup ?? (args.quick ? 1 : 2)) * 1000;
const CONNECTIONS = Number(args.connections);
const BODY = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'Hello' }] });

if (!fs.existsSync(CLI)) { console.error(`${CLI} is missing: run pnpm build first`); process.exit(1); }
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-bench-workers-'));
const config = path.join(dir, 'tollgate.config.yaml');
// Access log at warn: the figure is about request handling, not log volume.
fs.writeFileSync(config, 'model_list:\n  - model_name: bench\n    params: { model: mock/gpt-4o-mini, mock_response: "Hello! How can I help you today?" }\nsettings:\n  log_level: warn\n  max_connections_per_client: 0\n');

const children = new Set();
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); });

function startTollgate(workers) {
  const proc = spawn(process.execPath, [CLI, '--config', config, '--host', '127.0.0.1', '--port', '0', '--num_workers', String(workers)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TOLLGATE_LOG_FORMAT: 'json' } });
  children.add(proc);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tollgate did not start: ${out}`)), 30_000);
    const onData = (d) => {
      out += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ proc, url: m[1] }); }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`tollgate exited ${code}: ${out}`)); });
  });
}

async function closedLoop(url, ms) {
  const pool = new Pool(url, { connections: CONNECTIONS, pipelining: 1 });
  const deadline = Date.now() + ms;
  let ok = 0;
  let failed = 0;
  const worker = async () => {
    while (Date.now() < deadline) {
      const res = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: BODY });
      await res.body.arrayBuffer();
      if (res.statusCode === 200) ok++; else failed++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const elapsed = performance.now() - started;
  await pool.close();
  return { rps: (ok / elapsed) * 1000, ok, failed };
}

const ROUNDS = Number(args.rounds ?? (args.quick ? 1 : 3));
const COUNTS = args.workers.split(',').map(Number);
const results = [];
for (let round = 0; round < ROUNDS; round++) for (const workers of COUNTS) {
  const { proc, url } = await startTollgate(workers);
  await closedLoop(url, WARMUP_MS);
  const r = await closedLoop(url, DURATION_MS);
  results.push({ workers, ...r });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  await exited;
  children.delete(proc);
}
fs.rmSync(dir, { recursive: true, force: true });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = COUNTS.map((workers) => {
  const mine = results.filter((r) => r.workers === workers);
  return { workers, rps: median(mine.map((r) => r.rps)), rounds: mine.map((r) => Math.round(r.rps)).join(' '), failed: mine.reduce((n, r) => n + r.failed, 0) };
});
const base = rows[0].rps;
console.log(`Node ${process.version}, ${os.cpus().length} CPUs (load average ${os.loadavg()[0].toFixed(1)}), ${CONNECTIONS} connections, ${DURATION_MS / 1000} s per phase, ${ROUNDS} rounds, mock provider, non-streamed`);
console.table(rows.map((r) => ({ workers: r.workers, 'req/s (median)': Math.round(r.rps), [`vs ${rows[0].workers} worker(s)`]: `${((r.rps / base) * 100).toFixed(0)} %`, 'per round': r.rounds, 'non-200': r.failed })));
if (args.json) fs.writeFileSync(args.json, JSON.stringify(results, null, 2));
