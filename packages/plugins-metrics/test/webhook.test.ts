import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Gateway, type RequestRecord } from '@tollgate/core';
import mock from '@tollgate/adapter-mock';
import { pino } from 'pino';
import { WebhookLogger, webhookLogger } from '../src/webhook.js';

/** A sink on 127.0.0.1 whose answer the test sets: it records every batch it accepts. */
async function startSink(port = 0) {
  const batches: RequestRecord[][] = [];
  let posts = 0;
  let answer = 200;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      posts++;
      if (answer === 200) batches.push(JSON.parse(body));
      res.writeHead(answer, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ingest`,
    batches,
    get posts() { return posts; },
    set answer(v: number) { answer = v; },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const rec = (n: number) => ({ requestId: `r${n}` }) as RequestRecord;
const until = async (f: () => boolean) => { for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 10)); };

let sink: Awaited<ReturnType<typeof startSink>>;
afterEach(async () => { await sink?.close(); });

describe('webhook logger', () => {
  it('POSTs full batches at once and a partial batch after the flush interval', async () => {
    sink = await startSink();
    const w = new WebhookLogger({ url: sink.url, batchSize: 3, flushIntervalMs: 50 });
    for (let i = 0; i < 7; i++) w.push(rec(i));
    await until(() => w.stats.sent === 7);
    expect(sink.batches.map((b) => b.map((r) => r.requestId))).toEqual([['r0', 'r1', 'r2'], ['r3', 'r4', 'r5'], ['r6']]);
    expect(w.stats).toMatchObject({ sent: 7, dropped: 0, failed: 0, queued: 0 });
    await w.close();
  });

  it('retries a batch with backoff while the sink answers 503, then delivers it', async () => {
    sink = await startSink();
    sink.answer = 503;
    const w = new WebhookLogger({ url: sink.url, batchSize: 2, flushIntervalMs: 10, retryBaseMs: 5, retryMaxMs: 20, maxRetries: 50 });
    w.push(rec(1));
    w.push(rec(2));
    await until(() => sink.posts >= 3);
    sink.answer = 200;
    await until(() => w.stats.sent === 2);
    expect(sink.batches).toEqual([[rec(1), rec(2)]]);
    expect(w.stats.retries).toBeGreaterThanOrEqual(2);
    expect(w.stats.failed).toBe(0);
    await w.close();
  });

  it('gives up on a batch after maxRetries, and at once on a 4xx refusal', async () => {
    sink = await startSink();
    sink.answer = 500;
    const w = new WebhookLogger({ url: sink.url, batchSize: 1, retryBaseMs: 1, retryMaxMs: 2, maxRetries: 2 });
    w.push(rec(1));
    await until(() => w.stats.failed === 1);
    expect(sink.posts).toBe(3);
    sink.answer = 400;
    w.push(rec(2));
    await until(() => w.stats.failed === 2);
    expect(sink.posts).toBe(4);
    await w.close();
  });

  it('drops the oldest records past maxQueue while the sink is down, counting them, and sends the newest when it is back', async () => {
    sink = await startSink();
    const url = sink.url;
    await sink.close();
    const w = new WebhookLogger({ url, batchSize: 2, flushIntervalMs: 10, maxQueue: 4, retryBaseMs: 5, retryMaxMs: 10, maxRetries: 1000 });
    for (let i = 0; i < 10; i++) w.push(rec(i));
    // r0, r1 are the batch in flight (being retried); r2..r5 were dropped for r6..r9.
    expect(w.stats.dropped).toBe(4);
    expect(w.stats.queued).toBe(4);
    // The sink comes back on the same port.
    sink = await startSink(Number(new URL(url).port));
    await until(() => w.stats.sent === 6);
    expect(sink.batches.flat().map((r) => r.requestId)).toEqual(['r0', 'r1', 'r6', 'r7', 'r8', 'r9']);
    expect(w.stats).toMatchObject({ sent: 6, dropped: 4, failed: 0, queued: 0 });
    await w.close();
  });

  it('as a plugin: one record per request from account, flushed on close', async () => {
    sink = await startSink();
    const g = new Gateway({ logger: pino({ level: 'silent' }), config: { model_list: [{ model_name: 'm', params: { model: 'mock/m', mock_usage: { prompt_tokens: 3, completion_tokens: 2 } } }] } });
    await g.use(mock);
    await g.use(webhookLogger, { url: sink.url, batchSize: 100, flushIntervalMs: 60_000 });
    await g.start();
    await g.chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    await g.chat({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] }).catch(() => undefined);
    await g.close();
    const records = sink.batches.flat();
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ model: 'm', modelGroup: 'm', status: 200, outcome: 'ok', tokensIn: 3, tokensOut: 2, attempts: 1 });
    expect(records[1]).toMatchObject({ model: 'nope', status: 404, outcome: 'error', kind: 'not_found' });
    expect(records[0].request).toBeUndefined();
  });
});
