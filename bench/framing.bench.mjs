#!/usr/bin/env node
// Stream decoding cost against event size (issue #13.4): the same 8 MB of SSE, once as one event
// arriving in 16 KB reads, once as 1 KB events in the same reads. Linear decoders cost about the
// same for both; a decoder that rescans its carried partial line is quadratic in the event size.
// Run after `pnpm build`:  node bench/framing.bench.mjs   (also NDJSON)
import { NdjsonDecoder, SseDecoder } from '@tollgate/core';

const TOTAL = 8 * 1024 * 1024;
const READ = 16 * 1024;
const enc = new TextEncoder();

function reads(text) {
  const bytes = enc.encode(text);
  const out = [];
  for (let i = 0; i < bytes.length; i += READ) out.push(bytes.subarray(i, i + READ));
  return out;
}

function sse(eventBytes) {
  const payload = 'x'.repeat(eventBytes - 8);
  return `data: ${payload}\n\n`.repeat(Math.floor(TOTAL / eventBytes));
}
function ndjson(lineBytes) {
  const payload = 'y'.repeat(lineBytes - 12);
  return `{"v":"${payload}"}\n`.repeat(Math.floor(TOTAL / lineBytes));
}

function time(make, chunks, rounds = 5) {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const d = make();
    const t = performance.now();
    let n = 0;
    for (const c of chunks) n += d.push(c).length;
    n += d.end().length;
    best = Math.min(best, performance.now() - t);
    if (n === 0) throw new Error('no events');
  }
  return best;
}

const rows = [];
for (const [name, make, one, small] of [
  ['SSE', () => new SseDecoder(), sse(TOTAL), sse(1024)],
  ['NDJSON', () => new NdjsonDecoder(), ndjson(TOTAL), ndjson(1024)],
]) {
  const big = time(make, reads(one));
  const many = time(make, reads(small));
  rows.push({ framing: name, 'one 8 MB event, ms': big.toFixed(1), '8 MB as 1 KB events, ms': many.toFixed(1), ratio: (big / many).toFixed(2) });
}
console.log(`stream decoding, 8 MB in 16 KB reads (best of 5), node ${process.version}`);
console.table(rows);
for (const r of rows) if (Number(r.ratio) > 2) { console.error(`${r.framing}: one large event costs ${r.ratio}x the same bytes in small events (limit 2x)`); process.exitCode = 1; }
