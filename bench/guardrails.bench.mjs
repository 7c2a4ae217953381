#!/usr/bin/env node
// Guardrail engine micro-benchmarks (tinybench), on the built package. Run after `pnpm build`:
//
//   node bench/guardrails.bench.mjs            # ~1 s per task
//   node bench/guardrails.bench.mjs --quick    # ~0.25 s per task (smoke test)
//
// 1. The PII + secret scanner (every built-in PII and secret detector, as `pii` and `secrets`
//    guardrails configure them) over a realistic 32 KB prompt: prose, code, JSON, logs with
//    numbers, dates, versions and IPs, and a few real findings. Reported in MB/s.
// 2. The stream window's cost per chunk: a 4 KB answer streamed in 4-character chunks (the size
//    of a typical token delta), with the same rules; and the plugin's chunk watcher around it (the
//    window per choice, chunk objects rewritten, the held text flushed into the finish chunk).
import { Bench } from 'tinybench';
import { compileGuardrails, Scanner, StreamGuard, StreamWatch, StreamWindow, MaskSession, checkRequest } from '@tollgate/plugin-guardrails';

const quick = process.argv.includes('--quick');
const TIME_MS = quick ? 250 : 1000;
const WARMUP_MS = quick ? 100 : 300;

const PROSE = `The quarterly review covered revenue, churn and the migration plan. Our team shipped version 2.14.3 on 2024-03-15 and
rolled it out to 85% of tenants by March 22; latency p99 fell from 412 ms to 268 ms. Sarah asked whether the EU region would
follow the same schedule, and Tom noted that the contract renewal for account 88231 is due on 04/30/2025. `;
const CODE = `function retry(fn, attempts = 3, delayMs = 250) {
  for (let i = 0; i < attempts; i++) {
    try { return await fn(); } catch (err) { if (i === attempts - 1) throw err; await sleep(delayMs * 2 ** i); }
  }
}
const config = { host: "db.internal", port: 5432, pool: { min: 2, max: 20 }, timeoutMs: 30000 };
`;
const JSONISH = `{"id": 1789234, "created": "2024-05-01T12:30:45Z", "items": [{"sku": "A-1021", "qty": 3, "price": 19.99}, {"sku": "B-77", "qty": 1, "price": 249.00}], "status": "shipped"}
`;
const LOGS = `2024-05-01 12:30:45.123 INFO  worker-7 processed batch 4412 in 1834 ms (rows=120000, rate=65430/s) from 10.0.3.17
2024-05-01 12:30:46.001 WARN  worker-2 retrying request 9f8e7d6c after 503 from upstream (attempt 2/5), build 1.4.22.9
`;
const FINDINGS = `Please reach me at jane.doe@example.com or +1 415 555 2671. My card is 4111 1111 1111 1111 and IBAN DE89 3704 0044 0532 0130 00.
The staging key is sk-proj-Xk29fLq0ZpT7vB3nR8sW1yC5dH6jM4aE and AKIAIOSFODNN7EXAMPLE is the old AWS key id.
`;

function prompt(size) {
  const parts = [PROSE, CODE, PROSE, JSONISH, LOGS, PROSE];
  let s = '';
  let i = 0;
  while (s.length < size - FINDINGS.length) s += parts[i++ % parts.length];
  const mid = s.length >> 1;
  // Through JSON, as a request body arrives: a flat string, not a rope of concatenations.
  return JSON.parse(JSON.stringify((s.slice(0, mid) + FINDINGS + s.slice(mid)).slice(0, size)));
}

const { guardrails } = compileGuardrails([
  { name: 'pii', type: 'pii', options: { action: 'mask' } },
  { name: 'secrets', type: 'secrets', options: { action: 'mask' } },
]);
const rules = guardrails.flatMap((g) => [...g.scanner.rules]);
const scanner = new Scanner(rules);
const text = prompt(32 * 1024);
const bytes = Buffer.byteLength(text);
const found = scanner.scan(text).length;

const answer = prompt(4 * 1024);
const CHUNK = 4;
const chunks = [];
for (let i = 0; i < answer.length; i += CHUNK) chunks.push(answer.slice(i, i + CHUNK));

const chunkObject = (content, finish = null) => ({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: finish }] });
function watchStream() {
  const watch = new StreamWatch(new StreamGuard(guardrails), 1, false, () => {});
  for (const c of chunks) watch.watcher(chunkObject(c));
  watch.watcher(chunkObject('', 'stop'));
  watch.watcher(null);
}

const request = () => ({ model: 'm', messages: [{ role: 'system', content: 'You are helpful.' }, { role: 'user', content: text }] });

const bench = new Bench({ time: TIME_MS, warmupTime: WARMUP_MS });
bench
  .add('scanner.scan(32 KB prompt), PII + secrets', () => {
    scanner.scan(text);
  })
  .add('checkRequest(pre_call, 32 KB prompt), PII + secrets, masking', async () => {
    await checkRequest(guardrails, { request: request(), mode: 'pre_call', session: new MaskSession() });
  })
  .add(`StreamWindow: 4 KB answer in ${chunks.length} chunks of ${CHUNK} chars`, () => {
    const w = new StreamWindow(rules);
    for (const c of chunks) w.push(c);
    w.end();
  })
  .add(`plugin chunk watcher: the same answer as ${chunks.length + 1} chunk objects`, watchStream);

await bench.run();

const stat = (t, k) => (t.result.latency?.[k] ?? t.result[k]) * 1000; // µs
const rows = bench.tasks.map((t) => ({
  task: t.name, 'mean µs': stat(t, 'mean').toFixed(1), 'min µs': stat(t, 'min').toFixed(1), 'p99 µs': stat(t, 'p99').toFixed(1),
}));
console.table(rows);

// Wall-clock figures move with whatever else runs on the box; CPU time spent by this process
// moves much less, so the throughput and per-chunk cost are also given per CPU second.
function cpuMicros(fn, runs) {
  for (let i = 0; i < Math.min(50, runs); i++) fn();
  const before = process.cpuUsage();
  for (let i = 0; i < runs; i++) fn();
  const d = process.cpuUsage(before);
  return (d.user + d.system) / runs;
}
const [scanTask, checkTask, windowTask, watchTask] = bench.tasks;
const runs = quick ? 200 : 1000;
const cpuScan = cpuMicros(() => scanner.scan(text), runs);
const cpuWindow = cpuMicros(() => {
  const w = new StreamWindow(rules);
  for (const c of chunks) w.push(c);
  w.end();
}, Math.max(20, runs / 10));
const cpuWatch = cpuMicros(watchStream, Math.max(20, runs / 10));
const mbps = (us) => (bytes / us).toFixed(1);
console.log(`scanner, ${bytes} bytes, ${found} findings: ${mbps(stat(scanTask, 'mean'))} MB/s (mean), ${mbps(stat(scanTask, 'min'))} MB/s (fastest run), ${mbps(cpuScan)} MB/s per CPU second; target > 50 MB/s`);
console.log(`checkRequest (walk + scan + mask): ${mbps(stat(checkTask, 'mean'))} MB/s (mean), ${mbps(stat(checkTask, 'min'))} MB/s (fastest run)`);
const perChunk = (us) => (us / chunks.length).toFixed(2);
console.log(`stream window, ${CHUNK}-char chunks: ${perChunk(stat(windowTask, 'mean'))} µs per chunk (mean), ${perChunk(stat(windowTask, 'min'))} (fastest run), ${perChunk(cpuWindow)} µs CPU`);
console.log(`plugin chunk watcher (window + chunk objects): ${perChunk(stat(watchTask, 'mean'))} µs per chunk (mean), ${perChunk(stat(watchTask, 'min'))} (fastest run), ${perChunk(cpuWatch)} µs CPU`);
