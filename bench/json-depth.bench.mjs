#!/usr/bin/env node
// What the request-body nesting check costs (packages/server/src/security/json-depth.ts): one pass
// over the bytes before JSON.parse. Run after `pnpm build`:
//
//   node bench/json-depth.bench.mjs [--quick]
import { Bench } from 'tinybench';
import { assertJsonDepth } from '@tollgate/server';

const quick = process.argv.includes('--quick');
// A 1 MB chat request: many messages with text that contains brackets and escaped quotes.
const messages = [];
while (JSON.stringify(messages).length < 1_000_000) messages.push({ role: 'user', content: 'Some text with [brackets] {braces} and \\"quotes\\" '.repeat(20) });
const body = Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', messages, metadata: { tags: ['a', 'b'] } }));

const bench = new Bench({ time: quick ? 250 : 1000, warmupTime: quick ? 100 : 300 });
bench
  .add(`assertJsonDepth, ${(body.length / 1e6).toFixed(2)} MB`, () => assertJsonDepth(body))
  .add(`JSON.parse(buf.toString()), ${(body.length / 1e6).toFixed(2)} MB`, () => JSON.parse(body.toString('utf8')));
await bench.run();
console.table(bench.tasks.map((t) => ({ task: t.name, 'mean ms': t.result.latency.mean.toFixed(3), 'p99 ms': t.result.latency.p99.toFixed(3) })));
