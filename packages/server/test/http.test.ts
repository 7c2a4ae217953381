import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { Plugin, RequestContext } from '@tollgate/core';
import { startServer, type Running } from './helpers.js';

const outcomes: RequestContext[] = [];
const recorder: Plugin = { name: 'rec', apply(g) { g.hooks.account.tapPromise('rec', async (ctx) => { outcomes.push(ctx); }); } };

let tg: Running;
beforeAll(async () => {
  tg = await startServer({
    model_list: [
      { model_name: 'm', params: { model: 'mock/m' } },
      { model_name: 'slow', params: { model: 'mock/slow', mock_stream_chunks: 50, mock_chunk_delay_ms: 20 } },
      { model_name: 'e', params: { model: 'mock/e' } },
    ],
    settings: { max_request_body_mb: 0.01 },
  }, [recorder]);
});
afterAll(async () => { await tg.close(); });

const post = (path: string, body: string | object, headers: Record<string, string> = {}) =>
  request(`${tg.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('reference server HTTP behaviour', () => {
  it('serves routes with and without /v1', async () => {
    for (const p of ['/chat/completions', '/v1/chat/completions']) {
      const res = await post(p, { model: 'm', messages: [{ role: 'user', content: 'x' }] });
      expect(res.statusCode).toBe(200);
      await res.body.json();
    }
    for (const p of ['/models', '/v1/models', '/health/liveliness', '/health/readiness']) {
      const res = await request(`${tg.url}${p}`);
      expect(res.statusCode, p).toBe(200);
      await res.body.text();
    }
  });

  it('answers invalid JSON with 400 in the OpenAI envelope', async () => {
    const res = await post('/v1/chat/completions', '{"model": ');
    expect(res.statusCode).toBe(400);
    expect(await res.body.json()).toEqual({ error: { message: 'Request body is not valid JSON.', type: 'invalid_request_error', param: null, code: 'invalid_json' } });
  });

  it('answers schema violations with 400 naming the param', async () => {
    const cases: Array<[object, string]> = [
      [{ messages: [{ role: 'user', content: 'x' }] }, 'model'],
      [{ model: 'm', messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role'],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 3 }, 'temperature'],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }], stream_options: { include_usage: true } }, 'stream_options'],
      [{ model: 'm', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id'],
    ];
    for (const [body, param] of cases) {
      const res = await post('/v1/chat/completions', body);
      const json = (await res.body.json()) as { error: { param: string; type: string } };
      expect(res.statusCode, param).toBe(400);
      expect(json.error.param, JSON.stringify(body)).toBe(param);
      expect(json.error.type).toBe('invalid_request_error');
    }
  });

  it('refuses bodies over the limit with 413', async () => {
    const res = await post('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'x'.repeat(20_000) }] });
    expect(res.statusCode).toBe(413);
    expect(((await res.body.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });

  it('answers an unknown route with 404 in the envelope', async () => {
    const res = await request(`${tg.url}/v1/nothing-here`);
    expect(res.statusCode).toBe(404);
    expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe('route_not_found');
  });

  it('accepts x-request-id and returns it', async () => {
    const res = await post('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'x' }] }, { 'x-request-id': 'client-req-42' });
    await res.body.json();
    expect(res.headers['x-request-id']).toBe('client-req-42');
    expect(res.headers['x-tollgate-request-id']).toBe('client-req-42');
  });

  it('writes SSE frames and [DONE]', async () => {
    const res = await post('/v1/chat/completions', { model: 'm', stream: true, messages: [{ role: 'user', content: 'hello' }] });
    expect(res.headers['content-type']).toBe('text/event-stream');
    const text = await res.body.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(text.split('\n\n').filter(Boolean).every((f) => f.startsWith('data: '))).toBe(true);
  });

  it('a client disconnect aborts the upstream and is accounted as aborted', async () => {
    outcomes.length = 0;
    const controller = new AbortController();
    const res = await post('/v1/chat/completions', { model: 'slow', stream: true, messages: [{ role: 'user', content: 'a '.repeat(100) }] }, {});
    void controller;
    const reader = res.body[Symbol.asyncIterator]();
    await reader.next();
    res.body.destroy();
    // account runs once the stream is settled; on a loaded machine that can take a while.
    for (let i = 0; i < 200 && !outcomes.some((c) => c.requestedModel === 'slow'); i++) await new Promise((r) => setTimeout(r, 10));
    const ctx = outcomes.find((c) => c.requestedModel === 'slow');
    expect(ctx?.outcome).toBe('aborted');
    // 50 chunks at 20 ms would take a second: the upstream stopped early.
    expect(ctx!.elapsed()).toBeLessThan(1000);
  });

  it('embeddings validate input', async () => {
    const res = await post('/v1/embeddings', { model: 'e' });
    expect(res.statusCode).toBe(400);
    expect(((await res.body.json()) as { error: { param: string } }).error.param).toBe('input');
  });
});

describe('SSE response head', () => {
  it('is committed with the first content event (so a failure before it can still fall back), and events of one upstream read arrive whole', async () => {
    const { createServer } = await import('node:http');
    const { once } = await import('node:events');
    const chunk = (content: string, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: finish ? {} : { content }, finish_reason: finish }] })}\n\n`;
    // Answers its head at once and the first events 400 ms later, all in one write.
    const upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.flushHeaders();
        setTimeout(() => res.end(chunk('a') + chunk('b') + chunk('', 'stop') + 'data: [DONE]\n\n'), 400);
      });
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const port = (upstream.address() as { port: number }).port;
    const late = await startServer({ model_list: [{ model_name: 'late', params: { model: 'openai/gpt-4o-mini', api_base: `http://127.0.0.1:${port}/v1`, api_key: 'sk-test-late' } }] });
    try {
      const started = performance.now();
      const res = await request(`${late.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'late', stream: true, messages: [{ role: 'user', content: 'x' }] }) });
      expect(res.statusCode).toBe(200);
      // The head waited for the upstream's first content: nothing reached the client before it.
      expect(performance.now() - started).toBeGreaterThanOrEqual(390);
      const text = await res.body.text();
      expect(text).toBe(chunk('a') + chunk('b') + chunk('', 'stop') + 'data: [DONE]\n\n');
    } finally {
      await late.close();
      upstream.closeAllConnections();
      upstream.close();
    }
  });
});
