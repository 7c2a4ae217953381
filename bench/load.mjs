#!/usr/bin/env node
// End-to-end load test on 127.0.0.1: Tollgate's reference server against the floor for any Node
// gateway (a minimal undici pass-through proxy) and against the upstream itself.
//
//   pnpm build && node bench/load.mjs            # full run (~3 min)
//   node bench/load.mjs --quick                  # smoke test (~1 min, 2 s phases)
//
// Options: --connections N (64)  --rps N (500)  --duration S (8)  --warmup S (2)
//          --rounds N (1: repeat every phase N times, targets interleaved; report medians)
//          --max-other-cpu P (25) --retries N (3): a phase during which other processes on the box used
//            more than P% CPU is measured again, at most N times (and each phase first waits, bounded,
//            for the box to be quiet)
//          --json FILE (write all figures as JSON)
//          --profile DIR (run Tollgate and the proxy with --cpu-prof into DIR; print top self-time functions)
//          Heap allocated per request (the proxy and Tollgate, closed loop) is counted by alloc-meter.mjs,
//          preloaded into both: v8.GCProfiler over the measured phase, so it does not depend on noise.
//          --targets direct,proxy,tollgate-info,tollgate-warn,tollgate-metrics,tollgate-guard,tollgate-cost,tollgate-keys,tollgate-lb,tollgate-cache
//          --modes json,stream  --phases closed,open
//            (a subset, e.g. to profile, or more rounds of the open loop alone; tollgate-lb-warn,
//            tollgate-cache-miss and tollgate-cache-other on request)
//
// tollgate-lb: Tollgate with @tollgate/plugin-loadbalance on (simple-shuffle over two deployments of
// the one upstream, in-memory shared state), at log_level info; tollgate-lb-warn at warn.
// tollgate-cache: @tollgate/plugin-cache in memory from LiteLLM's `cache: true`; the load generator
// sends one body, so every timed request is a hit (the hit path). tollgate-cache-miss: the same, the
// client sending `Cache-Control: no-cache`, so every request is keyed, goes upstream and is stored
// (the miss path, less a lookup that finds nothing: ~0.1 µs in memory).
// tollgate-cache-other: the cache on for another model group only (the uncached group's fast path).
//
// Processes: this one is the load generator (undici Pool, N connections); the fast mock upstream
// and the minimal proxy each run in a child process (forked from this file with --role); Tollgate
// runs as `node packages/server/dist/cli.js start --config <temp config> --port N`, in variants:
// tollgate-info (the default), tollgate-warn (no request log), tollgate-metrics (+ plugin-metrics),
// tollgate-guard (+ post_call PII and secret guardrails on every request), tollgate-cost (+ plugin-cost,
// its x-tollgate-cost checked before timing), tollgate-keys (a master
// key, a SQLite database_url, plugin-keys and plugin-cost; the client calls with a virtual key that
// has a budget and rpm/tpm/parallel limits). Plugins are loaded from their builds by path. Everything binds
// 127.0.0.1, every phase is bounded in time and request count, and every child is killed on exit.
import { fork, spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const HOST = '127.0.0.1';

const { values: args } = parseArgs({
  options: {
    role: { type: 'string' },
    upstream: { type: 'string' },
    quick: { type: 'boolean', default: false },
    connections: { type: 'string' },
    rps: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    json: { type: 'string' },
    profile: { type: 'string' },
    targets: { type: 'string' },
    rounds: { type: 'string' },
    'max-other-cpu': { type: 'string' },
    retries: { type: 'string' },
    modes: { type: 'string' },
    phases: { type: 'string' },
  },
});

// ====================================================================== child: fast mock upstream

const CREATED = 1764000000;
const MODEL = 'gpt-4o-mini-2024-07-18';
const COMPLETION = Buffer.from(JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: CREATED,
  model: MODEL,
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I help you today?', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 11, completion_tokens: 9, total_tokens: 20, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
  system_fingerprint: 'fp_bench',
}));
const chunk = (delta, finish = null) => `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: CREATED, model: MODEL, system_fingerprint: 'fp_bench', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage: null })}\n\n`;
// 8 chunks (role, 6 content, finish) + a usage chunk + [DONE], as OpenAI sends with include_usage.
const SSE_EVENTS = [
  chunk({ role: 'assistant', content: '', refusal: null }),
  ...['Hello', '!', ' How', ' can', ' I', ' help?'].map((c) => chunk({ content: c })),
  chunk({}, 'stop'),
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: CREATED, model: MODEL, system_fingerprint: 'fp_bench', choices: [], usage: { prompt_tokens: 11, completion_tokens: 9, total_tokens: 20 } })}\n\n`,
  'data: [DONE]\n\n',
].map((s) => Buffer.from(s));
const SSE_BYTES = SSE_EVENTS.reduce((n, b) => n + b.length, 0);

function exitWithParent() {
  // Forked children: the IPC channel closes when the parent goes away, however it ends.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
}

async function runUpstream() {
  exitWithParent();
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url.startsWith('/v1/chat/completions')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"not found","type":"invalid_request_error"}}');
        return;
      }
      let body;
      try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { body = null; }
      if (!body) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"bad json","type":"invalid_request_error"}}');
        return;
      }
      if (body.stream === true) {
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
        for (const ev of SSE_EVENTS) res.write(ev); // one write per event, as an upstream flushes them
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': COMPLETION.length });
        res.end(COMPLETION);
      }
    });
  });
  server.listen(0, HOST, () => process.send({ ready: true, port: server.address().port }));
}

// ====================================================================== child: minimal undici proxy

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'te', 'trailer']);

async function runProxy(upstreamOrigin) {
  exitWithParent();
  const pool = new Pool(upstreamOrigin, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, async (req, res) => {
    try {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const up = await pool.request({
        method: req.method,
        path: req.url,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json', authorization: 'Bearer sk-bench' },
        body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks),
      });
      const headers = {};
      for (const k in up.headers) if (!HOP_BY_HOP.has(k)) headers[k] = up.headers[k];
      res.writeHead(up.statusCode, headers);
      for await (const c of up.body) {
        if (!res.write(c)) await once(res, 'drain');
      }
      res.end();
    } catch (err) {
      if (!res.headersSent) { res.writeHead(502, { 'content-type': 'application/json' }); res.end(`{"error":{"message":${JSON.stringify(String(err?.message))}}}`); }
      else res.destroy();
    }
  });
  server.listen(0, HOST, () => process.send({ ready: true, port: server.address().port }));
}

if (args.role === 'upstream') await runUpstream();
else if (args.role === 'proxy') await runProxy(args.upstream);
else {
  try {
    await main();
  } catch (err) {
    console.error(`load.mjs: ${err?.stack ?? err}`);
    process.exit(1); // the 'exit' handler kills every child
  }
}

// ====================================================================== the load generator

async function main() {
  const quick = args.quick;
  const CONNECTIONS = Number(args.connections ?? 64);
  const RPS = Number(args.rps ?? 500);
  const DURATION_MS = Number(args.duration ?? (quick ? 2 : 8)) * 1000;
  const WARMUP_MS = Number(args.warmup ?? (quick ? 1 : 2)) * 1000;
  const OPEN_MS = DURATION_MS;
  const ROUNDS = Math.max(1, Number(args.rounds ?? 1));
  // A phase during which other processes used more than this much CPU (% of one core) is run again.
  const MAX_OTHER_CPU = Number(args['max-other-cpu'] ?? 25);
  const RETRIES = Number(args.retries ?? 3);
  const QUIET_WAIT_S = quick ? 3 : 10;
  const OPEN_WARMUP_MS = quick ? 500 : 1000;
  // A cap on requests per phase, well above what 2 cores can do, so a phase is bounded either way.
  const MAX_PER_PHASE = 2_000_000;
  const profileDir = args.profile ? path.resolve(args.profile) : null;
  const ALL_TARGETS = ['direct', 'proxy', 'tollgate-info', 'tollgate-warn', 'tollgate-metrics', 'tollgate-guard', 'tollgate-cost', 'tollgate-keys', 'tollgate-lb', 'tollgate-lb-warn', 'tollgate-cache', 'tollgate-cache-miss', 'tollgate-cache-other'];
  const ON_REQUEST = ['tollgate-lb-warn', 'tollgate-cache-miss', 'tollgate-cache-other'];
  const selected = new Set(args.targets ? args.targets.split(',') : ALL_TARGETS.filter((t) => !ON_REQUEST.includes(t)));
  for (const t of selected) if (!ALL_TARGETS.includes(t)) throw new Error(`--targets: unknown target ${t} (${ALL_TARGETS.join(', ')})`);
  const modes = args.modes ? args.modes.split(',') : ['json', 'stream'];
  const kinds = args.phases ? args.phases.split(',') : ['closed', 'open'];
  for (const k of kinds) if (k !== 'closed' && k !== 'open') throw new Error(`--phases: unknown phase ${k} (closed, open)`);
  for (const m of modes) if (m !== 'json' && m !== 'stream') throw new Error(`--modes: unknown mode ${m} (json, stream)`);
  if (profileDir) fs.mkdirSync(profileDir, { recursive: true });

  const cliJs = path.join(ROOT, 'packages/server/dist/cli.js');
  if (!fs.existsSync(cliJs)) throw new Error(`${cliJs} not found: run \`pnpm build\` first.`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-bench-'));
  // Heap allocation per request, for the proxy and Tollgate: see alloc-meter.mjs.
  const ALLOC_METER = path.join(HERE, 'alloc-meter.mjs');
  const allocDir = path.join(tmp, 'alloc');
  fs.mkdirSync(allocDir);
  const children = [];
  let clkTck = 100;
  try { clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100; } catch { /* keep 100 */ }

  // ---------------------------------------------------------------- cleanup, on every path
  let cleaned = false;
  const killAll = (signal = 'SIGKILL') => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) { try { c.kill(signal); } catch { /* gone */ } }
  };
  const cleanupSync = () => {
    if (cleaned) return;
    cleaned = true;
    killAll('SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  process.on('exit', cleanupSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { console.error(`\n${sig}: stopping children`); cleanupSync(); process.exit(130); });
  process.on('uncaughtException', (err) => { console.error(err); cleanupSync(); process.exit(1); });
  process.on('unhandledRejection', (err) => { console.error(err); cleanupSync(); process.exit(1); });

  // A hard ceiling on the whole run, whatever happens.
  const phases = selected.size * modes.length * kinds.length * ROUNDS * (1 + RETRIES);
  const budgetMs = phases * (WARMUP_MS + DURATION_MS + OPEN_WARMUP_MS + OPEN_MS + 2 * QUIET_WAIT_S * 1000) + 120_000;
  setTimeout(() => { console.error(`load.mjs: exceeded its ${Math.round(budgetMs / 1000)} s budget; stopping.`); cleanupSync(); process.exit(1); }, budgetMs).unref();

  const forkRole = async (role, extra = []) => {
    const execArgv = role === 'proxy' ? ['--import', ALLOC_METER] : [];
    if (profileDir && role === 'proxy') execArgv.push('--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', 'proxy.cpuprofile');
    const child = fork(fileURLToPath(import.meta.url), ['--role', role, ...extra], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv, env: { ...process.env, TOLLGATE_ALLOC_DIR: allocDir } });
    children.push(child);
    const [msg] = await Promise.race([
      once(child, 'message'),
      once(child, 'exit').then(([code]) => { throw new Error(`${role} exited early (${code})`); }),
      sleep(10_000).then(() => { throw new Error(`${role} did not start in 10 s`); }),
    ]);
    return { child, port: msg.port, origin: `http://${HOST}:${msg.port}` };
  };

  const freePort = async () => {
    const s = createServer();
    s.listen(0, HOST);
    await once(s, 'listening');
    const { port } = s.address();
    await new Promise((r) => s.close(r));
    return port;
  };

  // The watchdog makes Tollgate exit if this process disappears without cleaning up (SIGKILL).
  const WATCHDOG = 'data:text/javascript,const p=process.ppid;setInterval(()=>{if(process.ppid!==p)process.exit(1)},500).unref();';

  /** A plugin loaded from its build by path (run `pnpm build` first). */
  const builtPlugin = (dir) => {
    const file = path.join(ROOT, `packages/${dir}/dist/index.js`);
    if (!fs.existsSync(file)) throw new Error(`${file} not found: run \`pnpm build\` first.`);
    return file;
  };
  const METRICS = () => ['plugins:', `  - ${builtPlugin('plugins-metrics')}`];
  // Post-call guardrails on every request: each answer's text through the PII and secret rules
  // (streams through the per-chunk window). The plugin is loaded from its build by path.
  const GUARDRAILS = [
    'plugins:',
    `  - ${path.join(ROOT, 'packages/plugins-guardrails/dist/index.js')}`,
    'guardrails:',
    '  - { name: pii, type: pii, mode: post_call, default_on: true }',
    '  - { name: secrets, type: secrets, mode: post_call, default_on: true }',
  ];
  // Keys and cost on: the keys plugin and the cost plugin by path (the server would load them from a
  // database_url when installed beside the config).
  const keysConfig = () => {
    return [
      `plugins: ${JSON.stringify([builtPlugin('plugins-cost'), builtPlugin('plugins-keys')])}`,
      'general_settings:',
      '  master_key: sk-bench-master',
      `  database_url: ${path.join(tmp, 'keys.db')}`,
    ];
  };

  // The load balancer over two deployments of the one upstream (simple-shuffle, its default).
  const LOADBALANCE = () => ['plugins:', `  - ${builtPlugin('plugins-loadbalance')}`, 'router:', '  routing_strategy: simple-shuffle'];
  // The response cache from LiteLLM's keys (`cache: true` + cache_params), the plugin by path.
  const CACHE = (params) => ['plugins:', `  - ${builtPlugin('plugins-cache')}`, 'litellm_settings:', '  cache: true', `  cache_params: ${JSON.stringify(params)}`];

  const startTollgate = async (label, logLevel, upstreamPort, extra = [], deployments = 1) => {
    const port = await freePort();
    const configFile = path.join(tmp, `tollgate.${label}.yaml`);
    const deployment = [
      '  - model_name: gpt-4o-mini',
      '    params:',
      '      model: openai/gpt-4o-mini',
      `      api_base: http://${HOST}:${upstreamPort}/v1`,
      "      api_key: 'sk-bench'",
    ];
    fs.writeFileSync(configFile, [
      ...extra,
      'model_list:',
      ...Array.from({ length: deployments }, () => deployment).flat(),
      'settings:',
      `  log_level: ${logLevel}`,
      '',
    ].join('\n'));
    const logFile = path.join(tmp, `tollgate.${label}.log`);
    const out = fs.openSync(logFile, 'w');
    const nodeArgs = ['--import', WATCHDOG, '--import', ALLOC_METER];
    if (profileDir) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `tollgate-${label}.cpuprofile`);
    const env = { ...process.env, TOLLGATE_ALLOC_DIR: allocDir };
    delete env.TOLLGATE_LOG_LEVEL;
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, [...nodeArgs, cliJs, 'start', '--config', configFile, '--port', String(port)], { cwd: tmp, env, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    children.push(child);
    const origin = `http://${HOST}:${port}`;
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Tollgate (${label}) exited: ${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
      try {
        const r = await fetch(`${origin}/health/liveliness`);
        await r.arrayBuffer();
        if (r.ok) break;
      } catch { /* not up yet */ }
      if (Date.now() > deadline) throw new Error(`Tollgate (${label}) did not answer in 15 s: ${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
      await sleep(100);
    }
    return { child, origin, logFile, port };
  };

  const stopChild = async (child, timeoutMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await once(child, 'exit');
    clearTimeout(t);
  };

  // ---------------------------------------------------------------- CPU accounting (Linux /proc)
  const procCpuMs = (pid) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(f[11]) + Number(f[12])) * 1000) / clkTck; // utime + stime
    } catch { return NaN; }
  };
  const selfCpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

  // ---------------------------------------------------------------- requests
  const BODIES = {
    json: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }] }),
    stream: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }], stream: true, stream_options: { include_usage: true } }),
  };
  const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer sk-client' };
  /** A virtual key with every limit set (high enough never to refuse), so each request runs every check. */
  const virtualKey = async (origin) => {
    const res = await fetch(`${origin}/key/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench-master' },
      body: JSON.stringify({ models: ['gpt-4o-mini'], max_budget: 1e9, rpm_limit: 1e9, tpm_limit: 1e12, max_parallel_requests: 100_000 }),
    });
    if (!res.ok) throw new Error(`/key/generate: ${res.status} ${await res.text()}`);
    return (await res.json()).key;
  };
  const DONE = 'data: [DONE]\n\n';

  /** One request, body read to the end. Returns latency ms, or throws. */
  const oneRequest = async (target, mode, rec) => {
    target.sent++;
    const t0 = performance.now();
    const res = await target.pool.request({ method: 'POST', path: '/v1/chat/completions', headers: target.headers ?? HEADERS, body: BODIES[mode] });
    const text = await res.body.text();
    const ms = performance.now() - t0;
    const ok = res.statusCode === 200 && (mode === 'json' ? text.charCodeAt(0) === 123 /* { */ : text.endsWith(DONE));
    if (!ok) {
      rec.errors++;
      if (!rec.firstError) rec.firstError = `HTTP ${res.statusCode}: ${text.slice(0, 300)}`;
      return;
    }
    rec.lat.push(ms);
    const oh = res.headers['x-tollgate-overhead-ms'];
    if (oh !== undefined) rec.overhead.push(Number(oh));
  };

  const newRec = () => ({ lat: [], overhead: [], errors: 0, firstError: null, netErrors: 0 });
  const onNetError = (rec, err) => { rec.errors++; rec.netErrors++; if (!rec.firstError) rec.firstError = String(err?.message ?? err); };

  const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : NaN);
  const summarize = (arr) => {
    const s = Float64Array.from(arr).sort();
    return { n: s.length, p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99), p999: pct(s, 99.9), max: s.length ? s[s.length - 1] : NaN, mean: s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN };
  };

  /** Busy CPU time of the whole machine (all cores; user + system + steal, not irq/softirq, which
   *  the kernel spends on our own loopback traffic), ms. */
  const machineBusyMs = () => {
    try {
      const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
      const [user, nice, system, , , , , steal] = f;
      return ((user + nice + system + (steal || 0)) * 1000) / clkTck;
    } catch { return NaN; }
  };
  const cpuSnap = (pids) => ({ t: performance.now(), self: selfCpuMs(), procs: pids.map(procCpuMs), machine: machineBusyMs() });
  /** CPU % of one core over the interval: this process, each pid, and everything else on the box ("other"). */
  const cpuDelta = (a, b) => {
    const wall = b.t - a.t;
    const procMs = b.procs.map((v, i) => v - a.procs[i]);
    const selfMs = b.self - a.self;
    const otherMs = b.machine - a.machine - selfMs - procMs.reduce((x, y) => x + y, 0);
    return { self: (100 * selfMs) / wall, procs: procMs.map((v) => (100 * v) / wall), procMs, otherPct: Math.max(0, (100 * otherMs) / wall) };
  };

  /** Closed loop: CONNECTIONS workers, each sending its next request when the last one ends. */
  const closedLoop = async (target, mode, ms, rec) => {
    const end = performance.now() + ms;
    let count = 0;
    const worker = async () => {
      while (performance.now() < end && count < MAX_PER_PHASE) {
        count++;
        try { await oneRequest(target, mode, rec); } catch (err) { onNetError(rec, err); }
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
    return performance.now() - t0;
  };

  /** Open loop: requests sent on a fixed schedule whatever the answers do; latency from send to last byte. */
  const openLoop = async (target, mode, rps, ms, rec) => {
    const interval = 1000 / rps;
    const total = Math.min(MAX_PER_PHASE, Math.round((rps * ms) / 1000));
    const pending = new Set();
    let sent = 0;
    let maxLag = 0;
    const t0 = performance.now() + 2;
    await new Promise((resolve) => {
      const tick = () => {
        const now = performance.now();
        while (sent < total && t0 + sent * interval <= now) {
          maxLag = Math.max(maxLag, now - (t0 + sent * interval));
          sent++;
          const p = oneRequest(target, mode, rec).catch((err) => onNetError(rec, err)).finally(() => pending.delete(p));
          pending.add(p);
        }
        if (sent < total) setTimeout(tick, Math.max(0, t0 + sent * interval - performance.now()));
        else resolve();
      };
      tick();
    });
    const sentEnd = performance.now();
    const drainDeadline = sleep(10_000).then(() => { throw new Error('open loop: answers did not arrive within 10 s'); });
    await Promise.race([Promise.all([...pending]), drainDeadline]);
    return { achievedRps: (sent * 1000) / (sentEnd - t0), maxLagMs: maxLag };
  };

  // ---------------------------------------------------------------- set up the processes
  console.log(`Tollgate load test — ${new Date().toISOString()} — node ${process.version} — ${os.cpus().length} CPU(s) (${os.cpus()[0]?.model ?? '?'})`);
  console.log(`Load average before the run: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (other work on the box skews every figure).`);
  console.log(`Processes: load generator (this one, undici Pool ×${CONNECTIONS} connections), mock upstream (child), minimal undici proxy (child), Tollgate (child). All on 127.0.0.1.`);
  if (os.cpus().length <= 2) console.log(`Note: ${os.cpus().length} cores shared by 3–4 busy processes (load generator + upstream + proxy or Tollgate): max-throughput numbers are CPU-bound on the whole box, compare them relative to each other.`);
  console.log(`Phases: closed loop ${WARMUP_MS / 1000} s warm-up + ${DURATION_MS / 1000} s measured; open loop ${RPS} RPS, ${OPEN_WARMUP_MS / 1000} s warm-up + ${OPEN_MS / 1000} s measured; ${ROUNDS} round(s), targets interleaved.${quick ? ' (--quick)' : ''}\n`);

  const upstream = await forkRole('upstream');
  const targets = [{ key: 'direct', label: 'direct upstream', origin: upstream.origin, pid: upstream.child.pid }];
  const tollgates = [];
  if (selected.has('proxy')) {
    const proxy = await forkRole('proxy', ['--upstream', upstream.origin]);
    targets.push({ key: 'proxy', label: 'minimal undici proxy', origin: proxy.origin, pid: proxy.child.pid, child: proxy.child });
  }
  const TOLLGATES = [
    { key: 'tollgate-info', level: 'info', label: 'Tollgate (log_level info, default)' },
    { key: 'tollgate-warn', level: 'warn', label: 'Tollgate (log_level warn, no request log)' },
    { key: 'tollgate-metrics', level: 'info', label: 'Tollgate (info + plugin-metrics)', extra: selected.has('tollgate-metrics') ? METRICS() : [] },
    { key: 'tollgate-guard', level: 'info', label: 'Tollgate + post_call guardrails (info)', extra: GUARDRAILS },
    { key: 'tollgate-cost', level: 'info', label: 'Tollgate + @tollgate/plugin-cost (info)', extra: selected.has('tollgate-cost') ? ['plugins:', `  - ${builtPlugin('plugins-cost')}`] : [], costHeader: true },
    { key: 'tollgate-lb', level: 'info', label: 'Tollgate + loadbalance (info)', extra: selected.has('tollgate-lb') ? LOADBALANCE() : [], deployments: 2 },
    { key: 'tollgate-lb-warn', level: 'warn', label: 'Tollgate + loadbalance (warn)', extra: selected.has('tollgate-lb-warn') ? LOADBALANCE() : [], deployments: 2 },
    { key: 'tollgate-cache', level: 'info', label: 'Tollgate + cache, every request a hit (info)', extra: selected.has('tollgate-cache') ? CACHE({ type: 'local' }) : [], cacheHeader: 'hit' },
    { key: 'tollgate-cache-miss', level: 'info', label: 'Tollgate + cache, every request a miss (info)', extra: selected.has('tollgate-cache-miss') ? CACHE({ type: 'local' }) : [], cacheHeader: 'bypass', headers: { ...HEADERS, 'cache-control': 'no-cache' } },
    { key: 'tollgate-cache-other', level: 'info', label: 'Tollgate + cache on another group (info)', extra: selected.has('tollgate-cache-other') ? CACHE({ type: 'local', model_groups: ['another-group'] }) : [], cacheHeader: null },
  ];
  for (const { key, level, label, extra, costHeader, cacheHeader, deployments, headers } of TOLLGATES) {
    if (!selected.has(key)) continue;
    const tg = await startTollgate(key.slice('tollgate-'.length), level, upstream.port, extra, deployments);
    tollgates.push(tg);
    targets.push({ key, label, origin: tg.origin, pid: tg.child.pid, child: tg.child, tollgate: true, logFile: tg.logFile, costHeader, cacheHeader, headers });
  }
  if (selected.has('tollgate-keys')) {
    const tg = await startTollgate('keys', 'info', upstream.port, keysConfig());
    tollgates.push(tg);
    const headers = { ...HEADERS, authorization: `Bearer ${await virtualKey(tg.origin)}` };
    targets.push({ key: 'tollgate-keys', label: 'Tollgate + keys + cost (virtual key, log_level info)', origin: tg.origin, pid: tg.child.pid, child: tg.child, tollgate: true, logFile: tg.logFile, headers });
  }
  if (!selected.has('direct')) targets.shift();
  const modeLabel = { json: 'non-streamed', stream: 'streamed (8 chunks + usage)' };

  // Smoke: each target answers both modes correctly before any timing.
  for (const t of targets) {
    t.pool = new Pool(t.origin, { connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 30_000 });
    t.sent = 0;
    for (const mode of modes) {
      const rec = newRec();
      await oneRequest(t, mode, rec);
      if (rec.errors) throw new Error(`${t.label} ${mode}: ${rec.firstError}`);
      if (t.tollgate && !rec.overhead.length) throw new Error(`${t.label}: no x-tollgate-overhead-ms header`);
    }
    if (t.key === 'tollgate-guard') {
      const res = await t.pool.request({ method: 'POST', path: '/v1/chat/completions', headers: HEADERS, body: BODIES.json });
      await res.body.text();
      if (res.headers['x-tollgate-guardrails'] !== 'pii,secrets') throw new Error(`${t.label}: guardrails not applied (x-tollgate-guardrails: ${res.headers['x-tollgate-guardrails']})`);
    }
    if (t.cacheHeader !== undefined) {
      // The cache does what the target says: a hit, a miss that stores, or nothing (another group's cache).
      await sleep(5);
      const res = await t.pool.request({ method: 'POST', path: '/v1/chat/completions', headers: t.headers ?? HEADERS, body: BODIES.json });
      await res.body.text();
      if ((res.headers['x-tollgate-cache'] ?? null) !== t.cacheHeader) throw new Error(`${t.label}: x-tollgate-cache is ${res.headers['x-tollgate-cache']}, not ${t.cacheHeader}`);
    }
    if (t.costHeader) {
      const res = await t.pool.request({ method: 'POST', path: '/v1/chat/completions', headers: HEADERS, body: BODIES.json });
      await res.body.text();
      // gpt-4o-mini: 11 x 1.5e-7 + 9 x 6e-7 for the upstream's fixed usage
      if (res.headers['x-tollgate-cost'] !== '0.00000705') throw new Error(`${t.label}: x-tollgate-cost is ${res.headers['x-tollgate-cost']}, not 0.00000705`);
    }
  }

  const results = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, argv: process.argv.slice(2), connections: CONNECTIONS, rps: RPS, durationMs: DURATION_MS, rounds: ROUNDS, maxOtherCpuPct: MAX_OTHER_CPU, closed: [], open: [], discarded: [] };
  const ms = (v) => (Number.isFinite(v) ? v.toFixed(2) : '-');

  // ---------------------------------------------------------------- measurement
  // Targets are interleaved within each round (order rotated per round) and figures are the median
  // over rounds, so a burst of unrelated work on the box does not land on one target only.
  const median = (xs) => { const v = xs.filter(Number.isFinite).sort((a, b) => a - b); if (!v.length) return NaN; const m = v.length >> 1; return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2; };
  const order = (round) => targets.map((_, i) => targets[(i + round) % targets.length]);
  const runs = { closed: [], open: [] };
  /** Other work on the box (CPU % of one core outside our processes) over `ms`. */
  const otherCpuOver = async (ms, pids) => {
    const a = cpuSnap(pids);
    await sleep(ms);
    return cpuDelta(a, cpuSnap(pids)).otherPct;
  };
  const allocSignal = (t) => process.kill(t.pid, 'SIGUSR2');
  /** Stops the target's allocation meter and reads the bytes it counted (NaN if it did not answer). */
  const allocRead = async (t) => {
    const file = path.join(allocDir, String(t.pid));
    fs.rmSync(file, { force: true });
    allocSignal(t);
    for (let i = 0; i < 50 && !fs.existsSync(file); i++) await sleep(20);
    try { return Number(fs.readFileSync(file, 'utf8').split(' ')[0]); } catch { return NaN; }
  };
  const measure = async (kind, t, mode, round) => {
    const pids = [t.pid, upstream.child.pid];
    for (let attempt = 0; ; attempt++) {
      // Wait (bounded) for the box to be quiet before a phase.
      for (let w = 0; w < QUIET_WAIT_S; w++) {
        const other = await otherCpuOver(1000, pids);
        if (!(other > MAX_OTHER_CPU)) break;
        if (w === 0) process.stdout.write(`  (other work on the box: ${other.toFixed(0)}% CPU; waiting up to ${QUIET_WAIT_S} s for it to settle)\n`);
      }
      if (kind === 'closed') await closedLoop(t, mode, WARMUP_MS, newRec());
      else await openLoop(t, mode, RPS, OPEN_WARMUP_MS, newRec());
      const rec = newRec();
      const metered = kind === 'closed' && t.key !== 'direct';
      if (metered) allocSignal(t);
      const a = cpuSnap(pids);
      let elapsed = NaN, o = null;
      if (kind === 'closed') elapsed = await closedLoop(t, mode, DURATION_MS, rec);
      else o = await openLoop(t, mode, RPS, OPEN_MS, rec);
      const cpu = cpuDelta(a, cpuSnap(pids));
      const allocated = metered ? await allocRead(t) : NaN;
      const lat = summarize(rec.lat);
      const r = {
        target: t.key, label: t.label, mode, round, attempt, requests: lat.n, errors: rec.errors, firstError: rec.firstError,
        rps: kind === 'closed' ? (lat.n * 1000) / elapsed : o.achievedRps, maxSendLagMs: o?.maxLagMs ?? null,
        latency: lat, overheadSamples: t.tollgate ? rec.overhead : null,
        cpu: { targetPct: t.key === 'direct' ? null : cpu.procs[0], upstreamPct: cpu.procs[1], loadgenPct: cpu.self, otherPct: cpu.otherPct, targetUsPerReq: t.key === 'direct' ? null : (cpu.procMs[0] * 1000) / Math.max(1, lat.n) },
        allocKbPerReq: allocated / 1024 / Math.max(1, lat.n),
      };
      const noisy = cpu.otherPct > MAX_OTHER_CPU;
      const extra = kind === 'closed' ? `${Math.round(r.rps).toString().padStart(6)} req/s` : `sent ${r.rps.toFixed(0)}/s, max send lag ${r.maxSendLagMs.toFixed(1)} ms`;
      console.log(`  [${round + 1}/${ROUNDS}] ${modeLabel[mode].padEnd(28)} ${t.label.padEnd(42)} ${extra}  p50 ${ms(lat.p50)} ms  p99 ${ms(lat.p99)} ms  other CPU ${Number.isFinite(cpu.otherPct) ? cpu.otherPct.toFixed(0) : '-'}%${noisy ? (attempt < RETRIES ? '  (noisy: measuring again)' : '  (noisy, kept: out of retries)') : ''}${rec.errors ? `  ERRORS ${rec.errors}: ${rec.firstError}` : ''}`);
      if (noisy && attempt < RETRIES) { results.discarded.push({ kind, ...r, overheadSamples: undefined }); continue; }
      r.noisy = noisy;
      runs[kind].push(r);
      return;
    }
  };

  if (kinds.includes('closed')) {
    console.log(`== Closed loop, max throughput (${CONNECTIONS} connections) ==`);
    for (const mode of modes) for (let round = 0; round < ROUNDS; round++) for (const t of order(round)) await measure('closed', t, mode, round);
  }
  if (kinds.includes('open')) {
    console.log(`\n== Open loop, ${RPS} RPS fixed rate ==`);
    for (const mode of modes) for (let round = 0; round < ROUNDS; round++) for (const t of order(round)) await measure('open', t, mode, round);
  }

  // The metrics plugin counted every request it served (a check that the variant measured what it says).
  const mt = targets.find((t) => t.key === 'tollgate-metrics');
  if (mt) {
    const text = await (await fetch(`${mt.origin}/metrics`)).text();
    results.metricsCounted = [...text.matchAll(/^tollgate_requests_total\{[^}]*\} (\S+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    results.metricsSent = mt.sent;
  }
  for (const t of targets) await t.pool.close();
  await Promise.all(tollgates.map((tg) => stopChild(tg.child)));
  const logLines = (f) => { try { return fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).length; } catch { return NaN; } };
  results.tollgateLogLines = Object.fromEntries(tollgates.map((tg) => [targets.find((t) => t.logFile === tg.logFile).key, logLines(tg.logFile)]));

  // ---------------------------------------------------------------- aggregate over rounds
  const aggregate = (list) => {
    const out = [];
    for (const mode of modes) for (const t of targets) {
      const all = list.filter((r) => r.target === t.key && r.mode === mode);
      // Phases disturbed by other work on the box count only when no clean one exists.
      const clean = all.filter((r) => !r.noisy);
      const rs = clean.length ? clean : all;
      const pick = (f) => median(rs.map(f));
      out.push({
        target: t.key, label: t.label, mode, rounds: rs.length, noisy: !clean.length, noisyRoundsDropped: all.length - rs.length,
        requests: rs.reduce((n, r) => n + r.requests, 0), errors: rs.reduce((n, r) => n + r.errors, 0),
        rps: pick((r) => r.rps), rpsPerRound: rs.map((r) => Math.round(r.rps)),
        latency: { p50: pick((r) => r.latency.p50), p90: pick((r) => r.latency.p90), p99: pick((r) => r.latency.p99), p999: pick((r) => r.latency.p999), max: Math.max(...rs.map((r) => r.latency.max)) },
        p99PerRound: rs.map((r) => +r.latency.p99.toFixed(3)),
        maxSendLagMs: rs[0]?.maxSendLagMs == null ? null : Math.max(...rs.map((r) => r.maxSendLagMs)),
        overhead: t.tollgate ? summarize(rs.flatMap((r) => r.overheadSamples)) : null,
        allocKbPerReq: pick((r) => r.allocKbPerReq ?? NaN),
        cpu: { targetPct: pick((r) => r.cpu.targetPct ?? NaN), upstreamPct: pick((r) => r.cpu.upstreamPct), loadgenPct: pick((r) => r.cpu.loadgenPct), otherPct: pick((r) => r.cpu.otherPct), targetUsPerReq: pick((r) => r.cpu.targetUsPerReq ?? NaN) },
      });
    }
    return out;
  };
  results.closed = kinds.includes('closed') ? aggregate(runs.closed) : [];
  results.open = kinds.includes('open') ? aggregate(runs.open) : [];
  for (const r of [...runs.closed, ...runs.open]) delete r.overheadSamples;
  results.runs = runs;

  // ---------------------------------------------------------------- report
  const find = (list, target, mode) => list.find((r) => r.target === target && r.mode === mode);
  const fx = (v, d = 0) => (Number.isFinite(v) ? v.toFixed(d) : '');
  const rn = ROUNDS > 1 ? ` — median of ${ROUNDS} interleaved rounds` : '';

  if (kinds.includes('closed')) console.log(`\n== Max throughput (closed loop, ${CONNECTIONS} connections, ${DURATION_MS / 1000} s${rn}) ==`);
  if (kinds.includes('closed')) console.table(results.closed.map((r) => ({
    mode: modeLabel[r.mode], target: r.label,
    'req/s': Math.round(r.rps), ...(ROUNDS > 1 ? { 'req/s per round': r.rpsPerRound.join(' ') } : {}),
    ...(r.noisy || r.noisyRoundsDropped ? { note: r.noisy ? 'NOISY' : `${r.noisyRoundsDropped} noisy dropped` } : {}),
    'p50 ms': ms(r.latency.p50), 'p99 ms': ms(r.latency.p99),
    'x-tollgate-overhead-ms p50/p99': r.overhead ? `${ms(r.overhead.p50)} / ${ms(r.overhead.p99)}` : '',
    'target CPU %': fx(r.cpu.targetPct), 'target CPU µs/req': fx(r.cpu.targetUsPerReq), 'alloc KB/req': fx(r.allocKbPerReq, 1),
    'upstream CPU %': fx(r.cpu.upstreamPct), 'loadgen CPU %': fx(r.cpu.loadgenPct), 'other CPU %': fx(r.cpu.otherPct),
    errors: r.errors,
  })));

  if (kinds.includes('open')) console.log(`== Latency at ${RPS} RPS (open loop, ${OPEN_MS / 1000} s${rn}) ==`);
  if (kinds.includes('open')) console.table(results.open.map((r) => ({
    mode: modeLabel[r.mode], target: r.label,
    'p50 ms': ms(r.latency.p50), 'p90 ms': ms(r.latency.p90), 'p99 ms': ms(r.latency.p99), ...(ROUNDS > 1 ? { 'p99 per round': r.p99PerRound.map((x) => x.toFixed(2)).join(' ') } : {}), 'p99.9 ms': ms(r.latency.p999),
    ...(r.noisy || r.noisyRoundsDropped ? { note: r.noisy ? 'NOISY' : `${r.noisyRoundsDropped} noisy dropped` } : {}),
    'x-tollgate-overhead-ms p50/p99': r.overhead ? `${ms(r.overhead.p50)} / ${ms(r.overhead.p99)}` : '',
    'target CPU µs/req': fx(r.cpu.targetUsPerReq), 'max send lag ms': fx(r.maxSendLagMs, 1), 'other CPU %': fx(r.cpu.otherPct),
    errors: r.errors,
  })));

  console.log('== Tollgate vs the floor ==');
  // Ratios and differences are taken per round (same conditions), then the median over rounds.
  // Only rounds where both phases were clean count; with none, the medians of each side are compared.
  const agg = (kind, key, mode) => find(results[kind], key, mode);
  const asRun = (a) => a && { rps: a.rps, latency: a.latency, cpu: a.cpu };
  const perRound = (kind, a, b, mode, f) => {
    const pairs = Array.from({ length: ROUNDS }, (_, round) => {
      const x = runs[kind].find((r) => r.target === a && r.mode === mode && r.round === round);
      const y = runs[kind].find((r) => r.target === b && r.mode === mode && r.round === round);
      return x && y && !x.noisy && !y.noisy ? f(x, y) : NaN;
    }).filter(Number.isFinite);
    if (pairs.length) return median(pairs);
    const x = asRun(agg(kind, a, mode)), y = asRun(agg(kind, b, mode));
    return x && y ? f(x, y) : NaN;
  };
  const summary = {};
  /** The same Tollgate without the plugin, for a plugin's own price. */
  const baseline = { 'tollgate-guard': 'tollgate-info', 'tollgate-cost': 'tollgate-info', 'tollgate-lb': 'tollgate-info', 'tollgate-lb-warn': 'tollgate-warn', 'tollgate-cache': 'tollgate-info', 'tollgate-cache-miss': 'tollgate-info', 'tollgate-cache-other': 'tollgate-info' };
  for (const tg of ['tollgate-info', 'tollgate-warn', 'tollgate-guard', 'tollgate-cost', 'tollgate-keys', 'tollgate-lb', 'tollgate-lb-warn', 'tollgate-cache', 'tollgate-cache-miss', 'tollgate-cache-other']) {
    if (!selected.has(tg)) continue;
    const s = (summary[tg] = {});
    for (const mode of modes) {
      const c = find(results.closed, tg, mode), o = find(results.open, tg, mode);
      s[mode] = {
        throughputPctOfProxy: perRound('closed', tg, 'proxy', mode, (x, y) => (100 * x.rps) / y.rps),
        // A plugin's own price: against Tollgate without it, same round.
        throughputPctOfTollgate: baseline[tg] ? perRound('closed', tg, baseline[tg], mode, (x, y) => (100 * x.rps) / y.rps) : NaN,
        cpuUsPerReqOverTollgate: baseline[tg] ? perRound('closed', tg, baseline[tg], mode, (x, y) => x.cpu.targetUsPerReq - y.cpu.targetUsPerReq) : NaN,
        cpuPerReqVsProxy: perRound('closed', tg, 'proxy', mode, (x, y) => x.cpu.targetUsPerReq / y.cpu.targetUsPerReq),
        allocKbPerReq: c?.allocKbPerReq ?? NaN,
        proxyAllocKbPerReq: find(results.closed, 'proxy', mode)?.allocKbPerReq ?? NaN,
        p99OverheadVsProxyMs: perRound('open', tg, 'proxy', mode, (x, y) => x.latency.p99 - y.latency.p99),
        p99OverheadVsDirectMs: perRound('open', tg, 'direct', mode, (x, y) => x.latency.p99 - y.latency.p99),
        p50OverheadVsProxyMs: perRound('open', tg, 'proxy', mode, (x, y) => x.latency.p50 - y.latency.p50),
        p50OverheadVsDirectMs: perRound('open', tg, 'direct', mode, (x, y) => x.latency.p50 - y.latency.p50),
        headerOverheadAtRps: { p50: o?.overhead.p50 ?? NaN, p99: o?.overhead.p99 ?? NaN },
        headerOverheadClosed: { p50: c?.overhead.p50 ?? NaN, p99: c?.overhead.p99 ?? NaN },
      };
    }
  }
  results.summary = summary;
  const label = { 'tollgate-info': 'Tollgate, log_level info (default: one log line per request)', 'tollgate-warn': 'Tollgate, log_level warn (request log off)', 'tollgate-guard': 'Tollgate, info, post_call PII + secret guardrails on every request', 'tollgate-cost': 'Tollgate + @tollgate/plugin-cost, log_level info', 'tollgate-keys': 'Tollgate + keys + cost, a virtual key with budget and rpm/tpm/parallel limits (log_level info)', 'tollgate-lb': 'Tollgate + loadbalance (simple-shuffle, 2 deployments), log_level info', 'tollgate-lb-warn': 'Tollgate + loadbalance (simple-shuffle, 2 deployments), log_level warn', 'tollgate-cache': 'Tollgate + plugin-cache in memory, every request a hit (log_level info)', 'tollgate-cache-miss': 'Tollgate + plugin-cache in memory, every request a miss that stores (Cache-Control: no-cache, log_level info)', 'tollgate-cache-other': 'Tollgate + plugin-cache on for another model group only (log_level info)' };
  const sg = (v) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(2)}` : '-');
  for (const tg of Object.keys(summary)) {
    console.log(`  ${label[tg]}`);
    for (const mode of modes) {
      const x = summary[tg][mode];
      console.log(`    ${modeLabel[mode].padEnd(28)} throughput ${fx(x.throughputPctOfProxy, 1) || '-'}% of the proxy's (CPU per request ${fx(x.cpuPerReqVsProxy, 2) || '-'}x the proxy's; heap ${fx(x.allocKbPerReq, 1) || '-'} KB allocated per request, the proxy ${fx(x.proxyAllocKbPerReq, 1) || '-'} KB)${Number.isFinite(x.throughputPctOfTollgate) ? `, ${fx(x.throughputPctOfTollgate, 1)}% of Tollgate without the plugin (${sg(x.cpuUsPerReqOverTollgate)} µs CPU per request)` : ''}`);
      console.log(`    ${''.padEnd(28)} at ${RPS} RPS: p99 ${sg(x.p99OverheadVsProxyMs)} ms vs proxy, ${sg(x.p99OverheadVsDirectMs)} ms vs direct; p50 ${sg(x.p50OverheadVsProxyMs)} ms vs proxy, ${sg(x.p50OverheadVsDirectMs)} ms vs direct`);
      console.log(`    ${''.padEnd(28)} x-tollgate-overhead-ms p50/p99: ${ms(x.headerOverheadAtRps.p50)}/${ms(x.headerOverheadAtRps.p99)} ms at ${RPS} RPS, ${ms(x.headerOverheadClosed.p50)}/${ms(x.headerOverheadClosed.p99)} ms at max load`);
    }
  }
  const d = summary['tollgate-info'];
  if (d?.json && selected.has('proxy')) {
    // The core's targets (issue #13): non-streamed >= 80 % and streamed >= 75 % of the proxy's
    // throughput at default logging, CPU per request <= 1.3x the proxy's; p99 overhead < 2 ms.
    const tputOk = d.json.throughputPctOfProxy >= 80;
    const streamOk = d.stream ? d.stream.throughputPctOfProxy >= 75 : undefined;
    const cpuOk = d.json.cpuPerReqVsProxy <= 1.3;
    const p99Ok = d.json.p99OverheadVsProxyMs < 2;
    results.target = { throughputPctOfProxyNonStreamed: d.json.throughputPctOfProxy, throughputMet: tputOk, streamedThroughputPctOfProxy: d.stream?.throughputPctOfProxy, streamedMet: streamOk, cpuPerReqVsProxyNonStreamed: d.json.cpuPerReqVsProxy, cpuMet: cpuOk, p99OverheadVsProxyMsNonStreamed: d.json.p99OverheadVsProxyMs, p99Met: p99Ok, streamedP99OverheadVsProxyMs: d.stream?.p99OverheadVsProxyMs };
    const met = (ok) => (ok ? 'MET' : 'NOT MET');
    if (kinds.includes('closed')) {
      console.log(`\nTarget (default config, log_level info): non-streamed throughput >= 80% of the minimal proxy: ${d.json.throughputPctOfProxy.toFixed(1)}% — ${met(tputOk)}`);
      if (d.stream) console.log(`Target: streamed throughput >= 75% of the minimal proxy: ${d.stream.throughputPctOfProxy.toFixed(1)}% — ${met(streamOk)}`);
      console.log(`Target: CPU per non-streamed request <= 1.3x the proxy's: ${fx(d.json.cpuPerReqVsProxy, 2)}x — ${met(cpuOk)}${d.stream ? ` (streamed: ${fx(d.stream.cpuPerReqVsProxy, 2)}x)` : ''}`);
    }
    if (kinds.includes('open')) console.log(`Target (default config, log_level info): p99 overhead < 2 ms at ${RPS} RPS vs the proxy, non-streamed: ${sg(d.json.p99OverheadVsProxyMs)} ms — ${met(p99Ok)}${d.stream ? ` (streamed: ${sg(d.stream.p99OverheadVsProxyMs)} ms)` : ''}`);
  }
  // What the metrics plugin costs: the same config with and without it, per round.
  if (selected.has('tollgate-metrics') && selected.has('tollgate-info') && kinds.includes('closed')) {
    results.metricsPluginCost = {};
    console.log('\n@tollgate/plugin-metrics (tollgate-metrics against tollgate-info, same config otherwise):');
    for (const mode of modes) {
      const cost = {
        throughputLossPct: perRound('closed', 'tollgate-metrics', 'tollgate-info', mode, (x, y) => 100 * (1 - x.rps / y.rps)),
        cpuUsPerReqAdded: perRound('closed', 'tollgate-metrics', 'tollgate-info', mode, (x, y) => x.cpu.targetUsPerReq - y.cpu.targetUsPerReq),
      };
      results.metricsPluginCost[mode] = cost;
      console.log(`    ${modeLabel[mode].padEnd(28)} throughput ${sg(-cost.throughputLossPct)}% (target: a loss under 5%: ${cost.throughputLossPct < 5 ? 'MET' : 'NOT MET'}), CPU ${sg(cost.cpuUsPerReqAdded)} µs per request`);
    }
    if (results.metricsCounted !== undefined) console.log(`    /metrics counted ${results.metricsCounted} requests; the load generator sent ${results.metricsSent}.`);
  }
  const k = summary['tollgate-keys'];
  if (k?.json && selected.has('proxy') && kinds.includes('closed')) {
    const ok = k.json.throughputPctOfProxy >= 75;
    results.keysTarget = { throughputPctOfProxyNonStreamed: k.json.throughputPctOfProxy, met: ok };
    console.log(`Target (keys and cost on): throughput >= 75% of the minimal proxy, non-streamed: ${k.json.throughputPctOfProxy.toFixed(1)}% — ${ok ? 'MET' : 'NOT MET'}${k.stream ? ` (streamed: ${k.stream.throughputPctOfProxy.toFixed(1)}%)` : ''}`);
  }
  for (const key of ['tollgate-lb', 'tollgate-lb-warn']) {
    const lbj = summary[key]?.json;
    if (!lbj || !selected.has('proxy') || !kinds.includes('closed')) continue;
    const met = lbj.throughputPctOfProxy >= 75;
    (results.loadbalanceTarget ??= {})[key] = { throughputPctOfProxyNonStreamed: lbj.throughputPctOfProxy, met };
    console.log(`Target (${label[key]}): throughput >= 75% of the minimal proxy, non-streamed: ${lbj.throughputPctOfProxy.toFixed(1)}% — ${met ? 'MET' : 'NOT MET'}`);
  }
  // The cache: a hit should beat Tollgate without it (and the proxy: nothing goes upstream); an
  // uncached group with the cache on for another keeps its streamed throughput within 5%.
  if (kinds.includes('closed') && (summary['tollgate-cache'] || summary['tollgate-cache-miss'] || summary['tollgate-cache-other'])) {
    console.log('\n@tollgate/plugin-cache (throughput against tollgate-info, same round):');
    for (const key of ['tollgate-cache', 'tollgate-cache-miss', 'tollgate-cache-other']) {
      if (!summary[key]) continue;
      for (const mode of modes) {
        const x = summary[key][mode];
        console.log(`    ${key.padEnd(22)} ${modeLabel[mode].padEnd(28)} ${fx(x.throughputPctOfTollgate, 1) || '-'}% of Tollgate without it, ${fx(x.throughputPctOfProxy, 1) || '-'}% of the proxy`);
      }
    }
    const other = summary['tollgate-cache-other']?.stream;
    if (other && Number.isFinite(other.throughputPctOfTollgate)) {
      const met = other.throughputPctOfTollgate >= 95;
      (results.cacheTarget ??= {}).uncachedStreamPctOfTollgate = { value: other.throughputPctOfTollgate, met };
      console.log(`Target (cache on for another group): streamed throughput within 5% of no cache: ${other.throughputPctOfTollgate.toFixed(1)}% — ${met ? 'MET' : 'NOT MET'}`);
    }
    const hit = summary['tollgate-cache']?.json;
    if (hit && Number.isFinite(hit.throughputPctOfTollgate)) {
      // The bare proxy: Tollgate proxying the same request without the cache (the upstream answers).
      const met = hit.throughputPctOfTollgate > 100;
      (results.cacheTarget ??= {}).hitPctOfBareTollgate = { value: hit.throughputPctOfTollgate, met, pctOfMinimalProxy: hit.throughputPctOfProxy };
      console.log(`Target (a hit beats the bare proxy, Tollgate without the cache), non-streamed: ${hit.throughputPctOfTollgate.toFixed(1)}% of its throughput — ${met ? 'MET' : 'NOT MET'} (${fx(hit.throughputPctOfProxy, 1) || '-'}% of the minimal undici proxy's)`);
    }
  }
  const noisyKept = [...runs.closed, ...runs.open].filter((r) => r.noisy).length;
  console.log(`Phases measured again because of other work on the box: ${results.discarded.length}; noisy phases kept (out of retries): ${noisyKept}.`);
  console.log(`Tollgate request-log lines written: ${Object.entries(results.tollgateLogLines).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}.`);
  const errors = [...runs.closed, ...runs.open].reduce((n, r) => n + r.errors, 0);
  if (errors) console.log(`WARNING: ${errors} failed requests in total (see ERRORS above).`);

  if (args.json) { fs.writeFileSync(path.resolve(args.json), JSON.stringify(results, null, 2)); console.log(`Figures written to ${args.json}`); }

  await Promise.all(targets.filter((t) => t.key === 'proxy').map((t) => stopChild(t.child)));
  await stopChild(upstream.child);

  if (profileDir) {
    console.log(`\n== CPU profiles (${profileDir}) ==`);
    console.log('  Self time per request = sampled self time / all requests the process served in this run (warm-ups included; start-up is in the totals).');
    for (const t of targets.filter((x) => x.key !== 'direct')) {
      const f = t.key === 'proxy' ? 'proxy.cpuprofile' : `${t.key}.cpuprofile`;
      const file = path.join(profileDir, f);
      if (!fs.existsSync(file)) { console.log(`  ${f}: not written`); continue; }
      console.log(`  ${f} (${t.label}, ${t.sent} requests): top self time`);
      for (const line of topSelfTime(file, 25, t.sent)) console.log(`    ${line}`);
    }
  }
  cleanupSync();
  process.exit(errors ? 1 : 0);
}

/** Summarise a .cpuprofile: functions by self time (sampled), with file:line; then self time by area. */
function topSelfTime(file, n, requests) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((x) => [x.id, x]));
  const dt = new Map();
  for (let i = 0; i < prof.samples.length; i++) dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
  const agg = new Map();
  const areas = new Map();
  let total = 0;
  for (const [id, us] of dt) {
    const node = byId.get(id);
    if (!node) continue;
    const cf = node.callFrame;
    if (cf.functionName === '(idle)') continue;
    const url = cf.url.replace(`file://${ROOT}/`, '').replace(/^file:\/\//, '');
    const where = url ? `${url}:${cf.lineNumber + 1}` : '(native)';
    const key = `${cf.functionName || '(anonymous)'} ${where}`;
    agg.set(key, (agg.get(key) ?? 0) + us);
    const area = !url ? (cf.functionName === '(garbage collector)' ? 'GC' : cf.functionName === '(program)' ? '(program)' : 'native (syscalls, builtins)')
      : url.startsWith('node:') ? 'node internals'
      : url.startsWith('packages/') ? url.split('/').slice(0, 2).join('/')
      : url.includes('node_modules/.pnpm/') ? url.split('node_modules/.pnpm/')[1].split('/node_modules/')[1].split('/').slice(0, url.includes('/@') ? 2 : 1).join('/')
      : url.startsWith('bench/') ? 'bench (proxy)' : url.startsWith('wasm') ? 'wasm (undici llhttp)' : url;
    areas.set(area, (areas.get(area) ?? 0) + us);
    total += us;
  }
  const fmt = ([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${(us / requests).toFixed(2).padStart(6)} µs/req  ${k}`;
  return [
    `busy (non-idle) CPU time sampled: ${(total / 1000).toFixed(0)} ms = ${(total / requests).toFixed(1)} µs per request`,
    ...[...agg].sort((a, b) => b[1] - a[1]).slice(0, n).map(fmt),
    'by area:',
    ...[...areas].sort((a, b) => b[1] - a[1]).slice(0, 14).map(fmt),
  ];
}
